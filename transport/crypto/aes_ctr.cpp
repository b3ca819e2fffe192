#include "mtsender/transport/crypto/aes_ctr.hpp"

#include <openssl/evp.h>

#include <climits>
#include <stdexcept>

namespace mtsender::crypto {

// EVP keeps the counter and the unused tail of the last key-stream block in
// the context, which is exactly the "any split" property the header promises.
struct aes_ctr::impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~impl() { EVP_CIPHER_CTX_free(ctx); }
};

aes_ctr::aes_ctr(const int256& key, const int128& iv) : impl_(std::make_unique<impl>()) {
  impl_->ctx = EVP_CIPHER_CTX_new();
  if (impl_->ctx == nullptr
      || EVP_EncryptInit_ex(impl_->ctx, EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) != 1)
    throw std::runtime_error("aes_ctr: EVP aes-256-ctr initialisation failed");
}

aes_ctr::~aes_ctr() = default;
aes_ctr::aes_ctr(aes_ctr&&) noexcept = default;
aes_ctr& aes_ctr::operator=(aes_ctr&&) noexcept = default;

void aes_ctr::apply(uint8_t* data, size_t n) {
  if (!impl_)
    throw std::logic_error("aes_ctr: use of a moved-from object");
  // EVP takes an int length; feed huge buffers in chunks.
  constexpr size_t chunk = size_t(1) << 30;
  while (n > 0) {
    size_t step = n < chunk ? n : chunk;
    int out_len = 0;
    if (EVP_EncryptUpdate(impl_->ctx, data, &out_len, data, int(step)) != 1
        || size_t(out_len) != step)
      throw std::runtime_error("aes_ctr: EVP_EncryptUpdate failed");
    data += step;
    n -= step;
  }
}

} // namespace mtsender::crypto
