// The auth.bindTempAuthKey message: MTProto 1.0 sealing with the permanent
// key, checked against an independent computation (OpenSSL's SHA-1 and
// AES-IGE, the key derivation spelled out from core.telegram.org's
// description_v1 as string slices), a round trip, and every check of
// open_bind_message failing on its own.
#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/handshake/temp_key_binding.hpp"
#include "mtsender/transport/tl/reader.hpp"

#include <catch2/catch.hpp>

// OpenSSL's deprecated AES_ige_encrypt is the independent oracle here.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>
#include <openssl/sha.h>

#include <cstring>
#include <string>

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

crypto::auth_key_bytes key_of(uint8_t seed) {
  crypto::auth_key_bytes k;
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = uint8_t(seed + i * 7);
  return k;
}

using bytes = std::string;  // the spec's substr() and + read naturally on strings

bytes sub(const bytes& s, size_t from, size_t n) { return s.substr(from, n); }
bytes sha1_of(const bytes& s) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return bytes(reinterpret_cast<char*>(d), sizeof d);
}

// The reference: decrypts `sealed` as a server following description_v1 would.
bytes reference_open(const crypto::auth_key_bytes& key, const byte_buffer& sealed) {
  const bytes auth_key(reinterpret_cast<const char*>(key.data()), key.size());
  const bytes msg_key(reinterpret_cast<const char*>(sealed.data()) + 8, 16);
  const size_t x = 0;
  bytes sha1_a = sha1_of(msg_key + sub(auth_key, x, 32));
  bytes sha1_b = sha1_of(sub(auth_key, 32 + x, 16) + msg_key + sub(auth_key, 48 + x, 16));
  bytes sha1_c = sha1_of(sub(auth_key, 64 + x, 32) + msg_key);
  bytes sha1_d = sha1_of(msg_key + sub(auth_key, 96 + x, 32));
  bytes aes_key = sub(sha1_a, 0, 8) + sub(sha1_b, 8, 12) + sub(sha1_c, 4, 12);
  bytes aes_iv = sub(sha1_a, 8, 12) + sub(sha1_b, 0, 8) + sub(sha1_c, 16, 4) + sub(sha1_d, 0, 8);
  AES_KEY k;
  AES_set_decrypt_key(reinterpret_cast<const unsigned char*>(aes_key.data()), 256, &k);
  bytes plain(sealed.size() - 24, '\0');
  unsigned char iv[32];
  std::memcpy(iv, aes_iv.data(), 32);
  AES_ige_encrypt(sealed.data() + 24, reinterpret_cast<unsigned char*>(&plain[0]), plain.size(),
                  &k, iv, AES_DECRYPT);
  return plain;
}

bind_auth_key_inner sample_inner(const crypto::auth_key_bytes& perm) {
  bind_auth_key_inner in;
  in.nonce = 0x1122334455667788;
  in.temp_auth_key_id = -0x0102030405060708;
  in.perm_auth_key_id = static_cast<int64_t>(crypto::auth_key_id(perm));
  in.temp_session_id = 0x0a0b0c0d0e0f1011;
  in.expires_at = 1'800'000'000;
  return in;
}

} // namespace

TEST_CASE("bind message: sealed as MTProto 1.0 with the permanent key (cross-check)",
          "[handshake][pfs]") {
  const auto perm = key_of(3);
  test_support::seeded_random rng{42};
  const int64_t msg_id = 0x5f00000000000004;
  const auto inner = sample_inner(perm);
  auto sealed = seal_bind_message(perm, msg_id, inner, rng);
  // auth_key_id + msg_key + (16 random + 8 msg_id + 4 seqno + 4 len + 40 inner, padded to 80)
  REQUIRE(sealed.size() == 8 + 16 + 80);
  CHECK(load_le64(sealed.data()) == crypto::auth_key_id(perm));

  const bytes plain = reference_open(perm, sealed);
  const auto* p = reinterpret_cast<const uint8_t*>(plain.data());
  CHECK(static_cast<int64_t>(load_le64(p + 16)) == msg_id);
  CHECK(load_le32(p + 24) == 0);   // seqno
  CHECK(load_le32(p + 28) == 40);  // msg_len
  // msg_key: the lower 128 bits of SHA-1 of the plaintext before padding.
  const bytes digest = sha1_of(plain.substr(0, 72));
  CHECK(digest.substr(4, 16) == bytes(reinterpret_cast<const char*>(sealed.data()) + 8, 16));
  tl::reader r{byte_view{p + 32, 40}};
  CHECK(bind_auth_key_inner::read(r) == inner);
}

TEST_CASE("bind message: the v1 key derivation matches the spec's formula",
          "[handshake][pfs]") {
  const auto key = key_of(9);
  crypto::msg_key_bytes mk;
  for (size_t i = 0; i < mk.size(); ++i)
    mk[i] = uint8_t(0xa0 + i);
  auto kv = derive_aes_key_iv_v1(key, crypto::direction::client_to_server, mk);
  const bytes auth_key(reinterpret_cast<const char*>(key.data()), key.size());
  const bytes msg_key(reinterpret_cast<const char*>(mk.data()), mk.size());
  bytes a = sha1_of(msg_key + sub(auth_key, 0, 32));
  bytes b = sha1_of(sub(auth_key, 32, 16) + msg_key + sub(auth_key, 48, 16));
  bytes c = sha1_of(sub(auth_key, 64, 32) + msg_key);
  bytes d = sha1_of(msg_key + sub(auth_key, 96, 32));
  CHECK(bytes(reinterpret_cast<const char*>(kv.key.data()), 32)
        == sub(a, 0, 8) + sub(b, 8, 12) + sub(c, 4, 12));
  CHECK(bytes(reinterpret_cast<const char*>(kv.iv.data()), 32)
        == sub(a, 8, 12) + sub(b, 0, 8) + sub(c, 16, 4) + sub(d, 0, 8));
}

TEST_CASE("bind message: round trip and the request around it", "[handshake][pfs]") {
  const auto perm = key_of(5);
  test_support::seeded_random rng{7};
  const int64_t msg_id = 0x5f00000000001230;
  auto body = make_bind_request(perm, 0xdeadbeefcafef00dull, 0x77, 1'700'000'123, msg_id, rng);
  tl::reader r{body};
  auto req = bind_temp_auth_key::read(r);
  r.expect_end();
  CHECK(req.perm_auth_key_id == static_cast<int64_t>(crypto::auth_key_id(perm)));
  CHECK(req.expires_at == 1'700'000'123);
  auto inner = open_bind_message(perm, req.encrypted_message, msg_id);
  CHECK(inner.nonce == req.nonce);
  CHECK(static_cast<uint64_t>(inner.temp_auth_key_id) == 0xdeadbeefcafef00dull);
  CHECK(inner.perm_auth_key_id == req.perm_auth_key_id);
  CHECK(inner.temp_session_id == 0x77);
  CHECK(inner.expires_at == 1'700'000'123);
}

TEST_CASE("bind message: each check of open_bind_message fails on its own", "[handshake][pfs]") {
  const auto perm = key_of(1);
  test_support::seeded_random rng{11};
  const int64_t msg_id = 0x5f00000000000008;
  const auto sealed = seal_bind_message(perm, msg_id, sample_inner(perm), rng);
  auto code_of = [&](const crypto::auth_key_bytes& key, byte_view m, int64_t id) {
    try {
      open_bind_message(key, m, id);
    } catch (const bind_error& e) {
      return e.code();
    }
    FAIL("accepted");
    return bind_errc::bad_length;
  };
  REQUIRE_NOTHROW(open_bind_message(perm, sealed, msg_id));
  CHECK(code_of(perm, byte_view{sealed.data(), sealed.size() - 16}, msg_id)
        == bind_errc::bad_length);
  CHECK(code_of(perm, byte_view{sealed.data(), sealed.size() - 1}, msg_id)
        == bind_errc::bad_length);
  CHECK(code_of(key_of(2), sealed, msg_id) == bind_errc::wrong_key_id);
  CHECK(code_of(perm, sealed, msg_id + 4) == bind_errc::msg_id_mismatch);
  for (size_t at : {size_t(8), size_t(30), sealed.size() - 1}) {  // msg_key, body, padding
    INFO("byte " << at);
    auto bad = sealed;
    bad[at] ^= 0x40;
    auto code = code_of(perm, bad, msg_id);
    CHECK((code == bind_errc::msg_key_mismatch || code == bind_errc::bad_header));
  }
}

TEST_CASE("bind message: a wrong seqno or length is refused even with a valid msg_key",
          "[handshake][pfs]") {
  // Built by hand with the v1 derivation, so the msg_key matches.
  const auto perm = key_of(4);
  auto build = [&](uint32_t seqno, uint32_t len, size_t pad) {
    byte_buffer plain(16, 0x55);
    tl::writer w{plain};
    w.write_int64(64);
    w.write_uint32(seqno);
    w.write_uint32(len);
    sample_inner(perm).write(w);
    auto digest = crypto::sha1::hash(plain);
    crypto::msg_key_bytes mk;
    std::memcpy(mk.data(), digest.data() + 4, 16);
    plain.resize(plain.size() + pad, 0);
    auto kv = derive_aes_key_iv_v1(perm, crypto::direction::client_to_server, mk);
    byte_buffer out(24 + plain.size());
    store_le64(out.data(), crypto::auth_key_id(perm));
    std::memcpy(out.data() + 8, mk.data(), 16);
    crypto::aes_ige_encrypt(kv.key, kv.iv, plain.data(), out.data() + 24, plain.size());
    return out;
  };
  REQUIRE_NOTHROW(open_bind_message(perm, build(0, 40, 8), 64));
  auto code_of = [&](const byte_buffer& m) {
    try {
      open_bind_message(perm, m, 64);
    } catch (const bind_error& e) {
      return e.code();
    }
    return bind_errc{};
  };
  CHECK(code_of(build(1, 40, 8)) == bind_errc::bad_header);
  CHECK(code_of(build(0, 40, 24)) == bind_errc::bad_padding);
}
