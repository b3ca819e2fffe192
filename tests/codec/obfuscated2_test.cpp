// obfuscated2: header rules, a known-answer test computed with independent
// code straight from the spec, the MTProxy secret, and the detector.
//
// Spec: core.telegram.org/mtproto/mtproto-transports#transport-obfuscation.
// The expected bytes below are computed here with OpenSSL EVP and SHA-256
// directly, not with the codec's own helpers.
#include "codec_helpers.hpp"

#include "mtsender/transport/codec/obfuscation_header.hpp"
#include "mtsender/transport/hex.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

using namespace codec_test;

namespace {

// Independent AES-256-CTR: a fresh EVP context over `len` bytes of zeros
// gives the key stream.
byte_buffer keystream(const uint8_t* key, const uint8_t* iv, size_t len) {
  byte_buffer zeros(len, 0), out(len + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(ctx);
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, key, iv) == 1);
  int n = 0;
  REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &n, zeros.data(), int(len)) == 1);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(size_t(n));
  return out;
}

std::array<uint8_t, 32> sha256_of(byte_view a, byte_view b) {
  std::array<uint8_t, 32> d{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(ctx);
  REQUIRE(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1);
  REQUIRE(EVP_DigestUpdate(ctx, a.data(), a.size()) == 1);
  REQUIRE(EVP_DigestUpdate(ctx, b.data(), b.size()) == 1);
  unsigned len = 0;
  REQUIRE(EVP_DigestFinal_ex(ctx, d.data(), &len) == 1);
  EVP_MD_CTX_free(ctx);
  return d;
}

// A header the rules allow: byte 0 is 0x00, int 1 is 0x07060504.
byte_buffer fixed_random_header() {
  byte_buffer h(64);
  for (size_t i = 0; i < 64; ++i)
    h[i] = uint8_t(i * 5 + (i >> 3));
  return h;
}

struct expected_streams {
  byte_buffer up;    // client -> server key stream
  byte_buffer down;  // server -> client key stream
};

// Spec: key/iv client->server = header[8..40] / [40..56]; server->client the
// same from the header with its bytes reversed; through an MTProxy each key
// becomes SHA-256(key ‖ secret).
expected_streams expected_for(const byte_buffer& header, const std::optional<int128>& secret,
                              size_t len) {
  byte_buffer rev(header.rbegin(), header.rend());
  std::array<uint8_t, 32> up_key{}, down_key{};
  std::memcpy(up_key.data(), header.data() + 8, 32);
  std::memcpy(down_key.data(), rev.data() + 8, 32);
  if (secret) {
    up_key = sha256_of(up_key, *secret);
    down_key = sha256_of(down_key, *secret);
  }
  return {keystream(up_key.data(), header.data() + 40, len),
          keystream(down_key.data(), rev.data() + 40, len)};
}

void known_answer(const std::optional<int128>& secret) {
  seeded_random fallback(1);
  scripted_random rng(fallback);
  auto random_header = fixed_random_header();
  rng.push(random_header);
  codec_options o;
  o.kind = framing::obfuscated2;
  o.inner = framing::intermediate;
  o.dc_id = -3;  // a media DC: int16 LE fd ff
  o.proxy_secret = secret;
  auto client = make_client_codec(o, rng);
  CHECK(rng.drawn == 64);

  byte_buffer packet = from_hex("0102030405060708");
  byte_buffer wire;
  client->encode(packet, wire);
  REQUIRE(wire.size() == 64 + 4 + 8);

  auto streams = expected_for(random_header, secret, 64 + 12);
  // Plain header: the random bytes with tag and DC id written in.
  byte_buffer plain = random_header;
  std::memcpy(plain.data() + 56, from_hex("eeeeeeee fdff").data(), 6);
  // Bytes 0..56 go out in clear, 56..64 encrypted, then the frame continues
  // the same key stream.
  byte_buffer expected(plain.begin(), plain.begin() + 56);
  for (size_t i = 56; i < 64; ++i)
    expected.push_back(plain[i] ^ streams.up[i]);
  byte_buffer frame_plain = from_hex("08000000 0102030405060708");
  for (size_t i = 0; i < frame_plain.size(); ++i)
    expected.push_back(frame_plain[i] ^ streams.up[64 + i]);
  CHECK(to_hex(wire) == to_hex(expected));

  // The reply stream: what a server encrypts with the reversed key.
  byte_buffer reply_plain = from_hex("04000000 6cfeffff");  // -404
  byte_buffer reply;
  for (size_t i = 0; i < reply_plain.size(); ++i)
    reply.push_back(reply_plain[i] ^ streams.down[i]);
  client->feed(reply);
  auto got = drain(*client);
  REQUIRE(got.size() == 1);
  CHECK(got[0].type == frame::kind::transport_error);
  CHECK(got[0].error_code == -404);

  // And the library's own server decodes the client's bytes and names the DC.
  seeded_random srng(2);
  auto r = run_server(wire, {}, srng, default_max_frame_size, secret);
  REQUIRE(r.codec);
  CHECK(r.dc == -3);
  REQUIRE(r.frames.size() == 1);
  CHECK(r.frames[0].payload == packet);
  byte_buffer server_reply;
  r.codec->encode_transport_error(-404, server_reply);
  CHECK(server_reply == reply);
}

} // namespace

TEST_CASE("obfuscated2 known answer: header, key streams, both directions", "[codec][obfuscated2]") {
  known_answer(std::nullopt);
}

TEST_CASE("obfuscated2 known answer through an MTProxy secret", "[codec][obfuscated2]") {
  int128 secret;
  auto s = from_hex("dd000102030405060708090a0b0c0d0e");
  std::memcpy(secret.data(), s.data(), 16);
  known_answer(secret);
}

TEST_CASE("derive_obfuscation_keys: the server's keys are the client's, swapped", "[codec][obfuscated2]") {
  obfuscation_header h{};
  auto fixed = fixed_random_header();
  std::copy(fixed.begin(), fixed.end(), h.begin());
  for (bool with_secret : {false, true}) {
    std::optional<int128> secret;
    if (with_secret)
      secret = int128{1, 2, 3};
    auto c = derive_obfuscation_keys(h, side::client, secret);
    auto s = derive_obfuscation_keys(h, side::server, secret);
    CHECK(c.encrypt_key == s.decrypt_key);
    CHECK(c.encrypt_iv == s.decrypt_iv);
    CHECK(c.decrypt_key == s.encrypt_key);
    CHECK(c.decrypt_iv == s.encrypt_iv);
    CHECK(c.encrypt_key != c.decrypt_key);
    // The iv is never hashed with the secret.
    CHECK(byte_view(c.encrypt_iv) == byte_view(fixed).sub(40, 16));
  }
}

TEST_CASE("obfuscated2 draws again while the header looks like another protocol",
          "[codec][obfuscated2]") {
  seeded_random fallback(3);
  scripted_random rng(fallback);
  auto good = fixed_random_header();
  std::vector<std::string> forbidden_starts = {
    "ef",        // abridged
    "48454144",  // HEAD
    "504f5354",  // POST
    "47455420",  // GET
    "4f505449",  // OPTI(ONS)
    "16030102",  // TLS
    "dddddddd",  // padded intermediate
    "eeeeeeee",  // intermediate
  };
  for (const auto& start : forbidden_starts) {
    auto bad = good;
    auto s = from_hex(start);
    std::copy(s.begin(), s.end(), bad.begin());
    CHECK(is_forbidden_obfuscation_start(bad.data()));
    rng.push(bad);
  }
  auto zero_second = good;
  std::fill(zero_second.begin() + 4, zero_second.begin() + 8, 0);  // full
  CHECK(is_forbidden_obfuscation_start(zero_second.data()));
  rng.push(zero_second);
  CHECK_FALSE(is_forbidden_obfuscation_start(good.data()));
  rng.push(good);

  codec_options o;
  o.kind = framing::obfuscated2;
  o.inner = framing::abridged;
  auto c = make_client_codec(o, rng);
  CHECK(rng.drawn == 64 * (forbidden_starts.size() + 2));
  CHECK(rng.remaining() == 0);
  byte_buffer wire;
  c->encode(from_hex("01020304"), wire);
  CHECK(byte_view(wire).sub(0, 56) == byte_view(good).sub(0, 56));

  seeded_random srng(4);
  auto r = run_server(wire, {}, srng);
  REQUIRE(r.codec);
  REQUIRE(r.frames.size() == 1);
  CHECK(to_hex(r.frames[0].payload) == "01020304");
}

TEST_CASE("obfuscated2 gives up on a random source that only yields forbidden headers",
          "[codec][obfuscated2]") {
  constant_random stuck(0xef);
  codec_options o;
  o.kind = framing::obfuscated2;
  CHECK_THROWS_AS(make_client_codec(o, stuck), std::runtime_error);
}

TEST_CASE("framing detector: each framing from its first bytes, waiting only as long as needed",
          "[codec][detector]") {
  seeded_random rng(5);
  SECTION("abridged from one byte") {
    framing_detector det(rng);
    CHECK_FALSE(det.feed(byte_buffer{}));
    auto c = det.feed(from_hex("ef"));
    REQUIRE(c);
    CHECK(c->kind() == framing::abridged);
    CHECK_THROWS_AS(det.feed(from_hex("01")), std::logic_error);
  }
  SECTION("intermediate and padded need 4 bytes") {
    framing_detector det(rng);
    CHECK_FALSE(det.feed(from_hex("eeeeee")));
    auto c = det.feed(from_hex("ee"));
    REQUIRE(c);
    CHECK(c->kind() == framing::intermediate);
    framing_detector det2(rng);
    CHECK_FALSE(det2.feed(from_hex("dd")));
    auto c2 = det2.feed(from_hex("dddddd"));
    REQUIRE(c2);
    CHECK(c2->kind() == framing::padded_intermediate);
  }
  SECTION("a short full frame is recognised after 8 bytes, without waiting for 64") {
    codec_options o;
    o.kind = framing::full;
    auto client = make_client_codec(o, rng);
    byte_buffer wire;
    client->encode(from_hex("01020304"), wire);
    REQUIRE(wire.size() == 16);
    framing_detector det(rng);
    CHECK_FALSE(det.feed(byte_view(wire).sub(0, 7)));
    auto c = det.feed(byte_view(wire).sub(7, 1));
    REQUIRE(c);
    CHECK(c->kind() == framing::full);
    c->feed(byte_view(wire).sub(8));
    auto got = drain(*c);
    REQUIRE(got.size() == 1);
    CHECK(to_hex(got[0].payload) == "01020304");
  }
  SECTION("obfuscated2 waits for all 64 bytes") {
    codec_options o;
    o.kind = framing::obfuscated2;
    o.inner = framing::padded_intermediate;
    o.dc_id = 2;
    auto client = make_client_codec(o, rng);
    byte_buffer wire;
    client->encode(from_hex("01020304"), wire);
    framing_detector det(rng);
    CHECK_FALSE(det.feed(byte_view(wire).sub(0, 63)));
    auto c = det.feed(byte_view(wire).sub(63));
    REQUIRE(c);
    CHECK(c->kind() == framing::obfuscated2);
    CHECK(det.requested_dc() == 2);
    auto got = drain(*c);
    REQUIRE(got.size() == 1);
    CHECK(byte_view(got[0].payload).sub(0, 4) == byte_view(from_hex("01020304")));
  }
}

TEST_CASE("framing detector rejects bytes no framing starts with", "[codec][detector][errors]") {
  seeded_random rng(6);
  auto rejects = [&](byte_view bytes) {
    framing_detector det(rng);
    try {
      det.feed(bytes);
    } catch (const frame_error& e) {
      CHECK(e.code() == frame_errc::bad_header);
      CHECK(std::string(e.what()).find("framing detector") != std::string::npos);
      return true;
    }
    return false;
  };
  CHECK(rejects(byte_view(std::string_view("GET / HTTP/1.1\r\n"))));
  CHECK(rejects(byte_view(std::string_view("POST /api HTTP/1.1"))));
  CHECK(rejects(byte_view(std::string_view("HEAD / HTTP/1.1\r\n"))));
  CHECK(rejects(byte_view(std::string_view("OPTIONS * HTTP/1.1"))));
  CHECK(rejects(from_hex("16030102 00000000")));  // TLS ClientHello record
  CHECK(rejects(from_hex("05000000 00000000")));  // full with a nonsense length

  // 64 random bytes whose decryption names no framing.
  size_t rejected = 0;
  for (int i = 0; i < 50; ++i) {
    byte_buffer junk(64);
    rng.fill(junk.data(), junk.size());
    if (is_forbidden_obfuscation_start(junk.data()))
      continue;
    CHECK(rejects(junk));
    ++rejected;
  }
  CHECK(rejected > 40);
}

TEST_CASE("obfuscated2 with the wrong MTProxy secret is rejected", "[codec][obfuscated2][errors]") {
  seeded_random rng(7);
  codec_options o;
  o.kind = framing::obfuscated2;
  o.proxy_secret = int128{9, 9, 9};
  auto client = make_client_codec(o, rng);
  byte_buffer wire;
  client->encode(from_hex("01020304"), wire);

  framing_detector right(rng, default_max_frame_size, int128{9, 9, 9});
  CHECK(right.feed(wire));
  framing_detector wrong(rng, default_max_frame_size, int128{9, 9, 8});
  CHECK_THROWS_AS(wrong.feed(wire), frame_error);
  framing_detector none(rng);
  CHECK_THROWS_AS(none.feed(wire), frame_error);
}
