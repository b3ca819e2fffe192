#include "mtsender/transport/crypto/secure_random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>

namespace mtsender::crypto {

namespace {

// Bumped in every child right after fork(); read on every fill().
std::atomic<uint64_t> fork_generation{0};

void on_fork_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

void watch_forks() {
  static const int registered = ::pthread_atfork(nullptr, nullptr, on_fork_child);
  if (registered != 0)
    throw std::runtime_error("crypto: pthread_atfork failed");
}

} // namespace

secure_random::secure_random() { watch_forks(); }

void secure_random::fill(uint8_t* out, size_t n) {
  if (generation_ != fork_generation.load(std::memory_order_relaxed)) {
    // A forked child: the parent owns (and will hand out) this pool.
    OPENSSL_cleanse(pool_.data(), pool_.size());
    used_ = pool_.size();
    generation_ = fork_generation.load(std::memory_order_relaxed);
  }
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
  generation_ = fork_generation.load(std::memory_order_relaxed);
  if (RAND_bytes(pool_.data(), int(pool_.size())) != 1)
    throw std::runtime_error("crypto: RAND_bytes failed");
  used_ = 0;
}

} // namespace mtsender::crypto
