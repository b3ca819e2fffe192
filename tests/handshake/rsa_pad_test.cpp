// RSA_PAD (core.telegram.org/mtproto/auth_key, "4.1 RSA_PAD"): round trip,
// the temp_key retry while the value is >= the modulus, and refusals.
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/handshake/rsa_pad.hpp"

#include "sample_auth_key.hpp"
#include "test_support.hpp"

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

// Counts the draws of each size, so a test can see RSA_PAD's retries.
class counting_random final : public random_source {
public:
  explicit counting_random(random_source& inner) : inner_(inner) {}
  void fill(uint8_t* out, size_t n) override {
    if (n == 32)
      ++draws_of_32;
    inner_.fill(out, n);
  }
  int draws_of_32 = 0;

private:
  random_source& inner_;
};

} // namespace

TEST_CASE("RSA_PAD round-trips through the private key", "[handshake][rsa_pad]") {
  auto key = hs_test::server_key();
  auto pub = key->public_key();
  hs_test::scripted_random rng;
  for (size_t len : {0u, 1u, 100u, 144u}) {
    byte_buffer data(len);
    for (size_t i = 0; i < len; ++i)
      data[i] = uint8_t(i * 7 + 1);
    byte_buffer padding(192 - len, 0x5a);
    if (!padding.empty())
      rng.push(padding);
    auto enc = rsa_pad_encrypt(pub, data, rng);
    REQUIRE(enc.size() == 256);
    auto dec = rsa_pad_decrypt(*key, enc);
    REQUIRE(dec.size() == 192);
    CHECK(byte_view{dec}.sub(0, len) == byte_view{data});
    CHECK(byte_view{dec}.sub(len) == byte_view{padding});
  }
  CHECK_THROWS_AS(rsa_pad_encrypt(pub, byte_buffer(145), rng), std::invalid_argument);
}

TEST_CASE("RSA_PAD draws a new temp_key while the value is not below the modulus",
          "[handshake][rsa_pad]") {
  // Telegram's old key (modulus c150...): about a quarter of random 256-byte
  // values are >= it, so 32 encryptions with a fixed stream must retry.
  auto legacy = crypto::rsa_public_key::from_pem(sample_auth_key::legacy_key_pem);
  hs_test::scripted_random inner{42};
  counting_random rng{inner};
  for (int i = 0; i < 32; ++i)
    CHECK(rsa_pad_encrypt(legacy, byte_buffer(96, 1), rng).size() == 256);
  CHECK(rng.draws_of_32 > 32);
}

TEST_CASE("RSA_PAD decryption refuses bad input", "[handshake][rsa_pad]") {
  auto key = hs_test::server_key();
  hs_test::scripted_random rng;
  auto enc = rsa_pad_encrypt(key->public_key(), byte_buffer(100, 3), rng);
  SECTION("wrong size") {
    REQUIRE_HANDSHAKE_ERROR(rsa_pad_decrypt(*key, byte_view{enc}.sub(1)),
                            handshake_errc::rsa_decrypt_failed);
    enc.push_back(0);
    REQUIRE_HANDSHAKE_ERROR(rsa_pad_decrypt(*key, enc), handshake_errc::rsa_decrypt_failed);
  }
  SECTION("not below the modulus") {
    REQUIRE_HANDSHAKE_ERROR(rsa_pad_decrypt(*key, byte_buffer(256, 0xff)),
                            handshake_errc::rsa_decrypt_failed);
  }
  SECTION("any flipped bit breaks the SHA-256 inside") {
    for (size_t at : {0u, 1u, 100u, 255u}) {
      auto bad = enc;
      bad[at] ^= 0x10;
      REQUIRE_HANDSHAKE_ERROR(rsa_pad_decrypt(*key, bad), handshake_errc::rsa_decrypt_failed);
    }
  }
}
