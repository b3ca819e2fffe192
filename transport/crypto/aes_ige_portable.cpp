// AES-256-IGE on OpenSSL's EVP ciphers, for CPUs without AES-NI.
//
// Encrypt rides on CBC, which OpenSSL runs at full speed: with
// z_i = y_i ^ x_{i-1}, IGE encryption is z_i = E(z_{i-1} ^ x_i ^ x_{i-2}), i.e.
// CBC (iv z_0 = y_0) over x'_i = x_i ^ x_{i-2} (x_{-1} = 0), followed by
// y_i = z_i ^ x_{i-1}. Two XOR passes around one CBC call per chunk; the
// chunk's plaintext is copied first, so in-place calls work.
// Decrypt has no such trick (it would need CBC with the *decryption*
// function), so it runs ECB one block at a time on one reused context.
#include "mtsender/transport/crypto/aes_ige_impl.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mtsender::crypto::detail {

namespace {

const EVP_CIPHER* fetch_cipher(const char* name) {
  const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (c == nullptr)
    throw std::runtime_error(std::string("aes_ige: OpenSSL has no ") + name);
  return c;
}

// One context per thread and direction, reused across calls.
struct cipher_ctx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~cipher_ctx() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* get() {
    if (ctx == nullptr)
      throw std::bad_alloc();
    return ctx;
  }
};

inline void xor16(uint8_t* out, const uint8_t* a, const uint8_t* b) noexcept {
  uint64_t a0, a1, b0, b1;
  std::memcpy(&a0, a, 8);
  std::memcpy(&a1, a + 8, 8);
  std::memcpy(&b0, b, 8);
  std::memcpy(&b1, b + 8, 8);
  a0 ^= b0;
  a1 ^= b1;
  std::memcpy(out, &a0, 8);
  std::memcpy(out + 8, &a1, 8);
}

constexpr size_t chunk_bytes = 4096;

} // namespace

void aes_ige_encrypt_portable(const int256& key, const int256& iv,
                              const uint8_t* in, uint8_t* out, size_t len) {
  static const EVP_CIPHER* cbc = fetch_cipher("AES-256-CBC");
  thread_local cipher_ctx holder;
  EVP_CIPHER_CTX* ctx = holder.get();
  if (EVP_EncryptInit_ex2(ctx, cbc, key.data(), iv.data(), nullptr) != 1)
    throw std::runtime_error("aes_ige: EVP_EncryptInit_ex2 failed");
  EVP_CIPHER_CTX_set_padding(ctx, 0);

  // buf = x_{k-2} ‖ x_{k-1} ‖ the chunk's plaintext blocks.
  alignas(16) uint8_t buf[32 + chunk_bytes];
  std::memset(buf, 0, 16);
  std::memcpy(buf + 16, iv.data() + 16, 16);
  for (size_t done = 0; done < len;) {
    const size_t n = std::min(chunk_bytes, len - done);
    std::memcpy(buf + 32, in + done, n);
    uint8_t* o = out + done;
    for (size_t k = 0; k < n; k += 16)
      xor16(o + k, buf + 32 + k, buf + k);
    int produced = 0;
    if (EVP_EncryptUpdate(ctx, o, &produced, o, int(n)) != 1 || size_t(produced) != n)
      throw std::runtime_error("aes_ige: EVP_EncryptUpdate failed");
    for (size_t k = 0; k < n; k += 16)
      xor16(o + k, o + k, buf + 16 + k);
    std::memmove(buf, buf + n, 32);  // overlaps when n == 16
    done += n;
  }
  OPENSSL_cleanse(buf, sizeof(buf));
}

void aes_ige_decrypt_portable(const int256& key, const int256& iv,
                              const uint8_t* in, uint8_t* out, size_t len) {
  static const EVP_CIPHER* ecb = fetch_cipher("AES-256-ECB");
  thread_local cipher_ctx holder;
  EVP_CIPHER_CTX* ctx = holder.get();
  if (EVP_DecryptInit_ex2(ctx, ecb, key.data(), nullptr, nullptr) != 1)
    throw std::runtime_error("aes_ige: EVP_DecryptInit_ex2 failed");
  EVP_CIPHER_CTX_set_padding(ctx, 0);

  uint8_t y_prev[16], x_prev[16], y[16], t[16];
  std::memcpy(y_prev, iv.data(), 16);
  std::memcpy(x_prev, iv.data() + 16, 16);
  for (size_t off = 0; off < len; off += 16) {
    std::memcpy(y, in + off, 16);  // before out is written: may be in place
    xor16(t, y, x_prev);
    int produced = 0;
    if (EVP_DecryptUpdate(ctx, t, &produced, t, 16) != 1 || produced != 16)
      throw std::runtime_error("aes_ige: EVP_DecryptUpdate failed");
    xor16(x_prev, t, y_prev);
    std::memcpy(out + off, x_prev, 16);
    std::memcpy(y_prev, y, 16);
  }
  OPENSSL_cleanse(t, sizeof(t));
  OPENSSL_cleanse(x_prev, sizeof(x_prev));
}

} // namespace mtsender::crypto::detail
