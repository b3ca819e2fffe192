// SHA-1 and SHA-256 over OpenSSL's EVP interface, one context per object.
//
// The EVP_MD is fetched once per process: a fetch walks the provider tables
// and costs more than hashing a small message.
#include "mtsender/transport/crypto/sha.hpp"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>

namespace mtsender::crypto {

namespace {

const EVP_MD* fetch_md(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr)
    throw std::runtime_error(std::string("crypto: OpenSSL has no ") + name);
  return md;
}

const EVP_MD* sha1_md() {
  static const EVP_MD* md = fetch_md("SHA1");
  return md;
}

const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetch_md("SHA2-256");
  return md;
}

// Shared body of both hash classes; `Digest` fixes the output size.
template <size_t N>
class evp_hash {
public:
  explicit evp_hash(const EVP_MD* md) : md_(md), ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr)
      throw std::bad_alloc();
    reset();
  }
  ~evp_hash() { EVP_MD_CTX_free(ctx_); }
  evp_hash(const evp_hash&) = delete;
  evp_hash& operator=(const evp_hash&) = delete;

  void update(byte_view data) {
    if (data.empty())
      return;
    if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1)
      throw std::runtime_error("crypto: EVP_DigestUpdate failed");
  }

  std::array<uint8_t, N> finish() {
    std::array<uint8_t, N> out;
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != N)
      throw std::runtime_error("crypto: EVP_DigestFinal_ex failed");
    reset();
    return out;
  }

private:
  void reset() {
    // Re-initialising with the same digest keeps the context's buffers.
    if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1)
      throw std::runtime_error("crypto: EVP_DigestInit_ex2 failed");
  }

  const EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

} // namespace

struct sha1::impl : evp_hash<20> {
  impl() : evp_hash<20>(sha1_md()) {}
};

sha1::sha1() : impl_(std::make_unique<impl>()) {}
sha1::~sha1() = default;
sha1::sha1(sha1&&) noexcept = default;
sha1& sha1::operator=(sha1&&) noexcept = default;

sha1& sha1::update(byte_view data) {
  impl_->update(data);
  return *this;
}

sha1_digest sha1::finish() { return impl_->finish(); }

sha1_digest sha1::hash(byte_view data) {
  thread_local sha1 h;
  return h.update(data).finish();
}

struct sha256::impl : evp_hash<32> {
  impl() : evp_hash<32>(sha256_md()) {}
};

sha256::sha256() : impl_(std::make_unique<impl>()) {}
sha256::~sha256() = default;
sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;

sha256& sha256::update(byte_view data) {
  impl_->update(data);
  return *this;
}

sha256_digest sha256::finish() { return impl_->finish(); }

sha256_digest sha256::hash(byte_view data) {
  thread_local sha256 h;
  return h.update(data).finish();
}

} // namespace mtsender::crypto
