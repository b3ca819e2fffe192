#include "mtsender/actors/telegram_defaults.hpp"
#include "mtsender/transport/crypto/rsa.hpp"

#include "vectors.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace mtsender;
using namespace mtsender::crypto;

namespace {

// Telegram's keys, kept in the tree next to the code that builds them in.
const std::string keys_dir = std::string(MTSENDER_SOURCE_DIR) + "/actors/telegram_keys";

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Generating keys is slow; the tests share one.
const rsa_private_key& test_key() {
  static rsa_private_key key = rsa_private_key::generate(2048);
  return key;
}

template <class F>
rsa_errc error_of(F&& f) {
  try {
    f();
  } catch (const rsa_error& e) {
    CHECK(std::string(e.what()).rfind("rsa: ", 0) == 0);
    return e.code();
  }
  FAIL("no rsa_error thrown");
  return rsa_errc{};
}

// The SubjectPublicKeyInfo form of Telegram's production key, made with
// `openssl rsa -RSAPublicKey_in -pubout < production-server-key.pem`.
const char* production_spki =
  "-----BEGIN PUBLIC KEY-----\n"
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6LszBcC1LGzyr992NzE0\n"
  "ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9k\n"
  "rM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO62cECs5HKhT5DZ98K33vmWiLowc621dQ\n"
  "uwKWSQKjWf50XYFw42h21P2KXUGyp2y/+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5\n"
  "gpYc397aYp438fsJoHIgJ2lgMv5h7WY9t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRU\n"
  "hebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP\n"
  "8wIDAQAB\n"
  "-----END PUBLIC KEY-----\n";

} // namespace

// The fingerprints Telegram sends in resPQ for its keys, as listed in
// actors/telegram_keys/README.md (and TDLib's / Telethon's key tables):
// production -3414540481677951611 (wire bytes 85 fd 64 de 85 1d 9d d0),
// test -5595554452916591101.
TEST_CASE("fingerprints of Telegram's public keys") {
  auto prod = rsa_public_key::from_pem_file(keys_dir + "/production-server-key.pem");
  CHECK(prod.fingerprint() == -3414540481677951611LL);
  byte_buffer wire(8);
  store_le64(wire.data(), uint64_t(prod.fingerprint()));
  CHECK(to_hex(wire) == "85fd64de851d9dd0");
  CHECK(prod.modulus().size() == 256);
  CHECK(to_hex(prod.exponent()) == "010001");

  auto test = rsa_public_key::from_pem_file(keys_dir + "/test-server-key.pem");
  CHECK(test.fingerprint() == -5595554452916591101LL);
}

TEST_CASE("the built-in production key is Telegram's published key file") {
  // actors/telegram_defaults.hpp carries the key as text so the library needs
  // no file at run time; it must stay byte-identical to the published file.
  const std::string published = slurp(keys_dir + "/production-server-key.pem");
  REQUIRE_FALSE(published.empty());
  CHECK(std::string(telegram_production_key_pem) == published);
  auto keys = telegram_production_keys();
  REQUIRE(keys.size() == 1);
  CHECK(keys.front().fingerprint() == telegram_production_key_fingerprint);
  CHECK(keys.front().fingerprint()
        == rsa_public_key::from_pem_file(keys_dir + "/production-server-key.pem").fingerprint());
}

TEST_CASE("SPKI and PKCS#1 PEM give the same key and to_pem writes PKCS#1") {
  const std::string pkcs1 = slurp(keys_dir + "/production-server-key.pem");
  auto a = rsa_public_key::from_pem(pkcs1);
  auto b = rsa_public_key::from_pem(production_spki);
  CHECK(a.modulus() == b.modulus());
  CHECK(a.exponent() == b.exponent());
  CHECK(b.fingerprint() == -3414540481677951611LL);
  CHECK(a.to_pem() == pkcs1);  // byte-identical re-encoding
  CHECK(rsa_public_key::from_pem(a.to_pem()).fingerprint() == a.fingerprint());
  auto c = rsa_public_key::from_numbers(a.modulus(), a.exponent());
  CHECK(c.fingerprint() == a.fingerprint());
  // Leading zero bytes do not change the number or its fingerprint.
  byte_buffer padded_n = {0, 0};
  padded_n.insert(padded_n.end(), a.modulus().begin(), a.modulus().end());
  CHECK(rsa_public_key::from_numbers(padded_n, a.exponent()).fingerprint()
        == a.fingerprint());
}

TEST_CASE("raw RSA round trip with a generated key") {
  const auto& priv = test_key();
  auto pub = priv.public_key();
  CHECK(pub.modulus().size() == 256);
  CHECK(priv.fingerprint() == pub.fingerprint());
  test::test_bytes rnd{11};
  for (int i = 0; i < 4; ++i) {
    auto data = rnd.bytes(256);
    data[0] = uint8_t(i);  // below n (whose top byte has its high bit set)
    auto enc = pub.encrypt_raw(data);
    REQUIRE(enc.size() == 256);
    CHECK(enc != data);
    CHECK(priv.decrypt_raw(enc) == data);
  }
  // Short inputs are numbers too; the output is always |n| bytes.
  byte_buffer small = {0x01, 0x02};
  auto enc = pub.encrypt_raw(small);
  CHECK(enc.size() == 256);
  auto dec = priv.decrypt_raw(enc);
  REQUIRE(dec.size() == 256);
  CHECK(std::all_of(dec.begin(), dec.end() - 2, [](uint8_t x) { return x == 0; }));
  CHECK(dec[254] == 1);
  CHECK(dec[255] == 2);
  // 1^e = 1: a textbook fixed point, checks the raw (unpadded) operation.
  byte_buffer one(256, 0);
  one[255] = 1;
  CHECK(pub.encrypt_raw(one) == one);
}

TEST_CASE("private key PEM save and load") {
  const auto& priv = test_key();
  const std::string pem = priv.to_pem();
  CHECK(pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0) == 0);
  auto again = rsa_private_key::from_pem(pem);
  CHECK(again.fingerprint() == priv.fingerprint());
  byte_buffer x(256, 0x42);
  CHECK(again.decrypt_raw(priv.public_key().encrypt_raw(x)) == x);

  const std::string path = "mtsender_rsa_test_key.pem";
  {
    std::ofstream f(path);
    f << pem;
  }
  auto from_file = rsa_private_key::from_pem_file(path);
  std::remove(path.c_str());
  CHECK(from_file.fingerprint() == priv.fingerprint());

  // Moves keep the key.
  rsa_private_key moved = std::move(from_file);
  CHECK(moved.fingerprint() == priv.fingerprint());
}

TEST_CASE("input >= n is rejected with data_too_large") {
  const auto& priv = test_key();
  auto pub = priv.public_key();
  const auto n = pub.modulus();
  CHECK(error_of([&] { pub.encrypt_raw(n); }) == rsa_errc::data_too_large);
  CHECK(error_of([&] { priv.decrypt_raw(n); }) == rsa_errc::data_too_large);
  byte_buffer all_ff(256, 0xff);
  CHECK(error_of([&] { pub.encrypt_raw(all_ff); }) == rsa_errc::data_too_large);
  CHECK(error_of([&] { priv.decrypt_raw(all_ff); }) == rsa_errc::data_too_large);
  byte_buffer longer(257, 0);
  longer[0] = 1;
  CHECK(error_of([&] { pub.encrypt_raw(longer); }) == rsa_errc::data_too_large);
  // n - 1 is the largest valid input.
  auto n_minus_1 = n;
  n_minus_1.back() -= 1;  // n is odd, so no borrow
  CHECK(priv.decrypt_raw(pub.encrypt_raw(n_minus_1)) == n_minus_1);
}

TEST_CASE("bad PEM gives bad_pem and unreadable files give file_unreadable") {
  const std::string good = slurp(keys_dir + "/production-server-key.pem");
  CHECK(error_of([] { rsa_public_key::from_pem(""); }) == rsa_errc::bad_pem);
  CHECK(error_of([] { rsa_public_key::from_pem("not a key"); }) == rsa_errc::bad_pem);
  CHECK(error_of([&] { rsa_public_key::from_pem(good.substr(0, good.size() / 2)); })
        == rsa_errc::bad_pem);
  std::string corrupt = good;
  REQUIRE(corrupt.substr(31, 4) == "MIIB");  // DER: SEQUENCE, length 0x010a
  corrupt[34] = 'C';                         // now claims more bytes than exist
  CHECK(error_of([&] { rsa_public_key::from_pem(corrupt); }) == rsa_errc::bad_pem);
  corrupt = good;
  corrupt[31 + 40] = corrupt[31 + 40] == 'A' ? 'B' : 'A';  // a base64 char of n
  CHECK(error_of([&] { rsa_public_key::from_pem(corrupt.replace(31 + 41, 1, "*")); })
        == rsa_errc::bad_pem);                               // not base64 at all
  corrupt = good;
  corrupt[31 + 40] = corrupt[31 + 40] == 'A' ? 'B' : 'A';
  // Still well-formed DER, just another modulus: parses, other fingerprint.
  CHECK(rsa_public_key::from_pem(corrupt).fingerprint() != -3414540481677951611LL);
  // A private key PEM where public key text is expected, and the reverse.
  CHECK(error_of([] { rsa_public_key::from_pem(test_key().to_pem()); }) == rsa_errc::bad_pem);
  CHECK(error_of([&] { rsa_private_key::from_pem(good); }) == rsa_errc::bad_pem);
  CHECK(error_of([] { rsa_private_key::from_pem("-----BEGIN RSA PRIVATE KEY-----\n"
                                                "AAAA\n-----END RSA PRIVATE KEY-----\n"); })
        == rsa_errc::bad_pem);
  CHECK(error_of([] { rsa_public_key::from_pem_file("/nonexistent/key.pem"); })
        == rsa_errc::file_unreadable);
  CHECK(error_of([] { rsa_private_key::from_pem_file("/nonexistent/key.pem"); })
        == rsa_errc::file_unreadable);
  CHECK(error_of([] { rsa_public_key::from_numbers(byte_buffer{0x10}, byte_buffer{3}); })
        == rsa_errc::bad_pem);
  CHECK(error_of([] { rsa_public_key::from_numbers(byte_buffer{0x11}, byte_buffer{1}); })
        == rsa_errc::bad_pem);
  CHECK(std::string(to_string(rsa_errc::data_too_large)) == "data_too_large");
}
