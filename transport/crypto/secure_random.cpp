#include "mtsender/transport/crypto/secure_random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mtsender::crypto {

void secure_random::fill(uint8_t* out, size_t n) {
  // Large requests (nonces are small, but a caller may want a whole key) go
  // straight to OpenSSL rather than draining the pool for nothing.
  if (n >= pool_.size() / 2) {
    while (n > 0) {
      size_t take = std::min(n, size_t(1) << 30);  // RAND_bytes takes an int
      if (RAND_bytes(out, int(take)) != 1)
        throw std::runtime_error("crypto: RAND_bytes failed");
      out += take;
      n -= take;
    }
    return;
  }
  while (n > 0) {
    if (used_ == pool_.size())
      refill();
    size_t take = std::min(n, pool_.size() - used_);
    std::memcpy(out, pool_.data() + used_, take);
    // Bytes handed out must not stay behind in the pool.
    OPENSSL_cleanse(pool_.data() + used_, take);
    used_ += take;
    out += take;
    n -= take;
  }
}

secure_random::~secure_random() { OPENSSL_cleanse(pool_.data(), pool_.size()); }

void secure_random::refill() {
  if (RAND_bytes(pool_.data(), int(pool_.size())) != 1)
    throw std::runtime_error("crypto: RAND_bytes failed");
  used_ = 0;
}

} // namespace mtsender::crypto
