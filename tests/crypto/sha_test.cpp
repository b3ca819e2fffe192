#include "mtsender/transport/crypto/sha.hpp"

#include "mtsender/transport/hex.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mtsender;
using namespace mtsender::crypto;

// Known answers: FIPS 180-2, Appendix A (SHA-1) and Appendix B (SHA-256),
// "abc", the 448-bit message and one million 'a'; the empty string digests
// are the well-known values from the same NIST example set (SHAVS).
TEST_CASE("sha1 matches the FIPS 180-2 examples") {
  CHECK(to_hex(sha1::hash(byte_view{std::string_view{"abc"}}))
        == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(sha1::hash(byte_view{std::string_view{
          "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"}}))
        == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(to_hex(sha1::hash(byte_view{std::string_view{""}}))
        == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  std::string million(1000000, 'a');
  CHECK(to_hex(sha1::hash(byte_view{std::string_view{million}}))
        == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha256 matches the FIPS 180-2 examples") {
  CHECK(to_hex(sha256::hash(byte_view{std::string_view{"abc"}}))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256::hash(byte_view{std::string_view{
          "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"}}))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256::hash(byte_view{std::string_view{""}}))
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string million(1000000, 'a');
  CHECK(to_hex(sha256::hash(byte_view{std::string_view{million}}))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a reused context hashes split input like one piece and resets after finish") {
  const std::string msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256 h;
  for (size_t split = 0; split <= msg.size(); ++split) {
    std::string_view all{msg};
    h.update(byte_view{all.substr(0, split)}).update(byte_view{all.substr(split)});
    REQUIRE(to_hex(h.finish())
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  // finish() with no input after a reset is the empty-string digest.
  CHECK(to_hex(h.finish())
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  sha1 h1;
  h1.update(byte_view{std::string_view{"ab"}});
  h1.update(byte_view{std::string_view{"c"}});
  CHECK(to_hex(h1.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(h1.update(byte_view{std::string_view{"abc"}}).finish())
        == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("hash contexts survive a move") {
  sha256 a;
  a.update(byte_view{std::string_view{"a"}});
  sha256 b = std::move(a);
  b.update(byte_view{std::string_view{"bc"}});
  CHECK(to_hex(b.finish())
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha1 c;
  sha1 d;
  d = std::move(c);
  CHECK(to_hex(d.update(byte_view{std::string_view{"abc"}}).finish())
        == "a9993e364706816aba3e25717850c26c9cd0d89d");
}
