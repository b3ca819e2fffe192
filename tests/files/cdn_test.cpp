#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/files/cdn_cipher.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"
#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/hex.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <cstring>
#include <random>

using namespace mtsender;
using namespace mtsender::files;

namespace {

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
  auto b = from_hex(hex);
  REQUIRE(b.size() == N);
  std::array<uint8_t, N> a;
  std::memcpy(a.data(), b.data(), N);
  return a;
}

// The whole stream through OpenSSL, independent of cdn_crypt.
byte_buffer evp_ctr(const int256& key, const int128& iv, byte_buffer data) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) == 1);
  int n = 0;
  REQUIRE(EVP_EncryptUpdate(ctx, data.data(), &n, data.data(), int(data.size())) == 1);
  EVP_CIPHER_CTX_free(ctx);
  return data;
}

byte_buffer random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  byte_buffer b(n);
  for (auto& x : b)
    x = uint8_t(rng());
  return b;
}

file_hash hash_of(const byte_buffer& file, int64_t offset, int32_t limit) {
  auto d = crypto::sha256::hash(byte_view{file}.sub(size_t(offset), size_t(limit)));
  return file_hash{offset, limit, byte_buffer(d.begin(), d.end())};
}

} // namespace

TEST_CASE("the CDN IV carries offset / 16 big-endian in its last 4 bytes") {
  int128 iv;
  for (size_t i = 0; i < 16; ++i)
    iv[i] = uint8_t(0xa0 + i);
  auto at = cdn_iv_at(iv, 0x12345670);
  CHECK(to_hex(at) == "a0a1a2a3a4a5a6a7a8a9aaab01234567");
  CHECK(to_hex(cdn_iv_at(iv, 0)) == "a0a1a2a3a4a5a6a7a8a9aaab00000000");
}

TEST_CASE("cdn_crypt matches NIST SP 800-38A CTR-AES256") {
  // F.5.5: the initial counter f0..ff is the IV prefix f0..fb with
  // offset / 16 = 0xfcfdfeff.
  auto key = arr<32>("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  int128 iv = arr<16>("f0f1f2f3f4f5f6f7f8f9fafb00000000");
  auto data = from_hex("6bc1bee22e409f96e93d7e117393172a"
                       "ae2d8a571e03ac9c9eb76fac45af8e51");
  cdn_crypt(key, iv, int64_t(0xfcfdfeffull) * 16, data.data(), data.size());
  CHECK(to_hex(data) == "601ec313775789a5b7a7f504bbf3d228"
                        "f443e3ca4d62b59aca84e990cacaf5c5");
}

TEST_CASE("a CDN part decrypts alone as the slice of the whole stream") {
  int256 key;
  int128 iv;
  auto k = random_bytes(48, 7);
  std::memcpy(key.data(), k.data(), 32);
  std::memcpy(iv.data(), k.data() + 32, 16);
  const auto plain = random_bytes(3 * 131072 + 100, 9);
  // Telegram encrypts the file as one stream from counter iv[0..12] || 0.
  auto whole = evp_ctr(key, cdn_iv_at(iv, 0), plain);
  for (int64_t offset : {int64_t(0), int64_t(131072), int64_t(262144), int64_t(16)}) {
    const size_t n = std::min<size_t>(131072, plain.size() - size_t(offset));
    byte_buffer part(whole.begin() + offset, whole.begin() + offset + int64_t(n));
    cdn_crypt(key, iv, offset, part.data(), part.size());
    CHECK(part == byte_buffer(plain.begin() + offset, plain.begin() + offset + int64_t(n)));
  }
  byte_buffer x(16);
  CHECK_THROWS_AS(cdn_crypt(key, iv, 8, x.data(), x.size()), file_error);
  CHECK_THROWS_AS(cdn_crypt(key, iv, -16, x.data(), x.size()), file_error);
}

TEST_CASE("CDN parts are checked against their SHA-256 hashes") {
  const auto file = random_bytes(4 * 131072 + 1000, 3);
  cdn_hashes book;
  book.add({hash_of(file, 0, 131072), hash_of(file, 131072, 131072)});
  using st = cdn_hashes::status;

  byte_view all{file};
  SECTION("matching ranges pass") {
    CHECK(book.verify(0, all.sub(0, 262144)).result == st::ok);
    CHECK(book.verify(131072, all.sub(131072, 131072)).result == st::ok);
    CHECK(book.verify(0, byte_view{}).result == st::ok);
  }
  SECTION("one flipped byte is a mismatch") {
    byte_buffer bad(file.begin(), file.begin() + 262144);
    bad[200000] ^= 1;
    auto v = book.verify(0, bad);
    CHECK(v.result == st::mismatch);
    CHECK(v.at == 131072);
  }
  SECTION("bytes without a hash yet are missing, named by offset") {
    auto v = book.verify(262144, all.sub(262144, 131072));
    CHECK(v.result == st::missing);
    CHECK(v.at == 262144);
    auto w = book.verify(0, all.sub(0, 3 * 131072));
    CHECK(w.result == st::missing);
    CHECK(w.at == 262144);
  }
  SECTION("a part cut inside a hashed range cannot be checked alone") {
    CHECK(book.verify(4096, all.sub(4096, 4096)).result == st::unaligned);
  }
  SECTION("data ending inside a range is a mismatch") {
    CHECK(book.verify(0, all.sub(0, 1000)).result == st::mismatch);
  }
  SECTION("the last, short range of the file passes") {
    book.add({hash_of(file, 4 * 131072, 1000)});
    CHECK(book.verify(4 * 131072, all.sub(4 * 131072, 1000)).result == st::ok);
  }
  SECTION("malformed hashes are refused") {
    CHECK_THROWS_AS(book.add({file_hash{0, 131072, byte_buffer(31)}}), file_error);
    CHECK_THROWS_AS(book.add({file_hash{0, 0, byte_buffer(32)}}), file_error);
  }
}
