#include "mtsender/transport/crypto/aes_ige.hpp"

#include "vectors.hpp"

// OpenSSL's own (slow, deprecated) AES_ige_encrypt is the independent oracle
// for the property tests below.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>

#include <catch2/catch.hpp>

#include <vector>

using namespace mtsender;
using namespace mtsender::crypto;
using mtsender::test::counting;

namespace {

std::vector<aes_impl> available_impls() {
  std::vector<aes_impl> out{aes_impl::portable, aes_impl::automatic};
  if (aes_ige_best_impl() == aes_impl::aes_ni)
    out.push_back(aes_impl::aes_ni);
  return out;
}

const char* name(aes_impl i) {
  switch (i) {
    case aes_impl::aes_ni: return "aes_ni";
    case aes_impl::portable: return "portable";
    default: return "automatic";
  }
}

byte_buffer openssl_ige(const int256& key, const int256& iv, const byte_buffer& in,
                        bool encrypt) {
  AES_KEY k;
  if (encrypt)
    AES_set_encrypt_key(key.data(), 256, &k);
  else
    AES_set_decrypt_key(key.data(), 256, &k);
  int256 ivc = iv;  // AES_ige_encrypt updates the iv
  byte_buffer out(in.size());
  AES_ige_encrypt(in.data(), out.data(), in.size(), &k, ivc.data(),
                  encrypt ? AES_ENCRYPT : AES_DECRYPT);
  return out;
}

} // namespace

TEST_CASE("this machine's CPU picks AES-NI") {
  // The machine the project is built on has AES-NI (see design.md); if this
  // fails elsewhere the portable path is still tested by every case below.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("aes"))
    CHECK(aes_ige_best_impl() == aes_impl::aes_ni);
  else
    CHECK(aes_ige_best_impl() == aes_impl::portable);
}

// Known answers from grammers (github.com/Lonami/grammers),
// lib/grammers-crypto/src/lib.rs at commit 04d95775e01f52e8326e1d1e203ee1b5137ee518,
// tests verify_ige_encryption / verify_ige_decryption: key = iv = data = 0..31.
TEST_CASE("AES-256-IGE known answers (grammers verify_ige_*)") {
  const auto k = counting<32>();
  for (auto impl : available_impls()) {
    INFO("impl " << name(impl));
    std::array<uint8_t, 32> out{};
    aes_ige_encrypt(k, k, k.data(), out.data(), 32, impl);
    CHECK(to_hex(out) == "e28112a53e5c89c7b1ea8071c133699fd4e86b26c4bac9fc5af1ab8ce27a44a4");
    aes_ige_decrypt(k, k, k.data(), out.data(), 32, impl);
    CHECK(to_hex(out) == "e5777afacd7b2c16f7ac40cae61ef603fee6098fb8a8860ab9ee672cd7e5bacc");
  }
}

TEST_CASE("both implementations equal OpenSSL AES_ige_encrypt at all sizes and in place") {
  test::test_bytes rnd{42};
  std::vector<size_t> sizes;
  for (size_t n = 16; n <= 1024; n += 16)
    sizes.push_back(n);
  // Around the portable path's 4096-byte chunk and some large sizes.
  for (size_t n : {4080, 4096, 4112, 8176, 8192, 8208, 12288 + 48, 65536, 524288})
    sizes.push_back(n);
  for (size_t n : sizes) {
    const auto key = rnd.array<32>();
    const auto iv = rnd.array<32>();
    const auto plain = rnd.bytes(n);
    const auto want_cipher = openssl_ige(key, iv, plain, true);
    REQUIRE(openssl_ige(key, iv, want_cipher, false) == plain);
    for (auto impl : available_impls()) {
      INFO("size " << n << ", impl " << name(impl));
      byte_buffer out(n);
      aes_ige_encrypt(key, iv, plain.data(), out.data(), n, impl);
      REQUIRE(out == want_cipher);
      aes_ige_decrypt(key, iv, want_cipher.data(), out.data(), n, impl);
      REQUIRE(out == plain);

      byte_buffer buf = plain;  // in place
      aes_ige_encrypt(key, iv, buf.data(), buf.data(), n, impl);
      REQUIRE(buf == want_cipher);
      aes_ige_decrypt(key, iv, buf.data(), buf.data(), n, impl);
      REQUIRE(buf == plain);
    }
  }
}

TEST_CASE("AES-IGE: the iv halves are the previous ciphertext and the previous plaintext") {
  // Encrypting two blocks at once equals encrypting block 1, then block 2 with
  // iv = (ciphertext 1 ‖ plaintext 1): the chaining state is exactly the iv.
  test::test_bytes rnd{7};
  const auto key = rnd.array<32>();
  const auto iv = rnd.array<32>();
  const auto plain = rnd.bytes(32);
  for (auto impl : available_impls()) {
    byte_buffer whole(32), first(16), second(16);
    aes_ige_encrypt(key, iv, plain.data(), whole.data(), 32, impl);
    aes_ige_encrypt(key, iv, plain.data(), first.data(), 16, impl);
    int256 iv2;
    std::copy(first.begin(), first.end(), iv2.begin());
    std::copy(plain.begin(), plain.begin() + 16, iv2.begin() + 16);
    aes_ige_encrypt(key, iv2, plain.data() + 16, second.data(), 16, impl);
    CHECK(byte_view{whole}.sub(0, 16) == byte_view{first});
    CHECK(byte_view{whole}.sub(16, 16) == byte_view{second});
  }
}

TEST_CASE("AES-IGE rejects lengths that are not a multiple of 16") {
  const auto k = counting<32>();
  uint8_t buf[64] = {};
  for (auto impl : available_impls()) {
    for (size_t n : {1, 15, 17, 31, 33, 63}) {
      INFO("size " << n << ", impl " << name(impl));
      CHECK_THROWS_AS(aes_ige_encrypt(k, k, buf, buf, n, impl), std::invalid_argument);
      CHECK_THROWS_AS(aes_ige_decrypt(k, k, buf, buf, n, impl), std::invalid_argument);
    }
    // Zero bytes is a multiple of 16: nothing to do, nothing written.
    CHECK_NOTHROW(aes_ige_encrypt(k, k, buf, buf, 0, impl));
  }
  CHECK_THROWS_WITH(aes_ige_encrypt(k, k, buf, buf, 17),
                    Catch::Contains("17") && Catch::Contains("multiple of 16"));
}
