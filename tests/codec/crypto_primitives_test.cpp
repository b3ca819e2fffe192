// AES-256-CTR and CRC32, the two primitives the codecs are built on.
#include "mtsender/transport/crypto/aes_ctr.hpp"
#include "mtsender/transport/crypto/crc32.hpp"
#include "mtsender/transport/hex.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace mtsender;

namespace {

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
  auto b = from_hex(hex);
  REQUIRE(b.size() == N);
  std::array<uint8_t, N> a{};
  std::memcpy(a.data(), b.data(), N);
  return a;
}

// NIST SP 800-38A, Appendix F.5.5 "CTR-AES256.Encrypt".
const char* nist_key = "603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4";
const char* nist_counter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const char* nist_plain =
  "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
  "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const char* nist_cipher =
  "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5"
  "2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6";

} // namespace

TEST_CASE("aes_ctr matches NIST SP 800-38A F.5.5 in one call", "[codec][aes_ctr]") {
  crypto::aes_ctr c(arr<32>(nist_key), arr<16>(nist_counter));
  auto data = from_hex(nist_plain);
  c.apply(data.data(), data.size());
  CHECK(to_hex(data) == to_hex(from_hex(nist_cipher)));
}

TEST_CASE("aes_ctr keeps its key stream position across any split", "[codec][aes_ctr]") {
  auto expected = from_hex(nist_cipher);
  for (size_t a = 0; a <= 64; a += 1) {
    for (size_t b = a; b <= 64; b += 7) {
      crypto::aes_ctr c(arr<32>(nist_key), arr<16>(nist_counter));
      auto data = from_hex(nist_plain);
      c.apply(data.data(), a);
      c.apply(data.data() + a, b - a);
      c.apply(data.data() + b, 64 - b);
      REQUIRE(to_hex(data) == to_hex(expected));
    }
  }
}

TEST_CASE("aes_ctr decrypts what it encrypted and survives a move", "[codec][aes_ctr]") {
  int256 key{};
  int128 iv{};
  key[0] = 1;
  iv[15] = 0xff;  // the counter carries into the next byte after one block
  byte_buffer plain(1000);
  for (size_t i = 0; i < plain.size(); ++i)
    plain[i] = uint8_t(i * 7);
  auto data = plain;
  crypto::aes_ctr enc(key, iv);
  enc.apply(data.data(), 10);
  crypto::aes_ctr moved(std::move(enc));
  moved.apply(data.data() + 10, data.size() - 10);
  CHECK(data != plain);
  crypto::aes_ctr dec(key, iv);
  dec.apply(data.data(), data.size());
  CHECK(data == plain);
}

TEST_CASE("crc32 gives the IEEE check value and continues in parts", "[codec][crc32]") {
  // The standard CRC-32 (IEEE 802.3, zlib) check value of "123456789" is
  // 0xcbf43926 (Greg Cook's CRC catalogue, reveng.sourceforge.io, CRC-32/ISO-HDLC).
  byte_view digits{std::string_view("123456789")};
  CHECK(crypto::crc32(digits) == 0xcbf43926u);
  CHECK(crypto::crc32(digits.sub(4), crypto::crc32(digits.sub(0, 4))) == 0xcbf43926u);
  CHECK(crypto::crc32(byte_view{}) == 0u);
  byte_buffer other = digits.to_buffer();
  other[3] ^= 1;
  CHECK(crypto::crc32(other) != 0xcbf43926u);
}
