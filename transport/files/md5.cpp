#include "mtsender/transport/files/md5.hpp"

#include "mtsender/transport/hex.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace mtsender::files {

struct md5::impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~impl() { EVP_MD_CTX_free(ctx); }
  void reset() {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1)
      throw std::runtime_error("md5: EVP initialisation failed");
  }
};

md5::md5() : impl_(std::make_unique<impl>()) { impl_->reset(); }
md5::~md5() = default;
md5::md5(md5&&) noexcept = default;
md5& md5::operator=(md5&&) noexcept = default;

md5& md5::update(byte_view data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1)
    throw std::runtime_error("md5: EVP_DigestUpdate failed");
  return *this;
}

std::string md5::finish_hex() {
  std::array<uint8_t, 16> d{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, d.data(), &n) != 1 || n != d.size())
    throw std::runtime_error("md5: EVP_DigestFinal_ex failed");
  impl_->reset();
  return to_hex(d);
}

std::string md5::hex(byte_view data) {
  md5 m;
  m.update(data);
  return m.finish_hex();
}

} // namespace mtsender::files
