#include "mtsender/transport/handshake/temp_key_binding.hpp"

#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/tl/decode_error.hpp"

#include <cstring>

namespace mtsender::handshake {

namespace {

constexpr size_t inner_size = 4 + 8 * 4 + 4;          // bind_auth_key_inner, boxed: 40
constexpr size_t header_size = 16 + 8 + 4 + 4;        // random, msg_id, seqno, msg_len
constexpr size_t seal_prefix = 8 + 16;                // auth_key_id, msg_key

crypto::msg_key_bytes msg_key_v1(byte_view unpadded) {
  auto digest = crypto::sha1::hash(unpadded);
  crypto::msg_key_bytes k;
  std::memcpy(k.data(), digest.data() + 4, k.size());  // the lower 128 bits
  return k;
}

byte_view key_part(const crypto::auth_key_bytes& key, size_t from, size_t n) {
  return byte_view{key.data() + from, n};
}

} // namespace

const char* to_string(bind_errc code) noexcept {
  switch (code) {
    case bind_errc::bad_length: return "bad_length";
    case bind_errc::wrong_key_id: return "wrong_key_id";
    case bind_errc::msg_key_mismatch: return "msg_key_mismatch";
    case bind_errc::bad_header: return "bad_header";
    case bind_errc::msg_id_mismatch: return "msg_id_mismatch";
    case bind_errc::bad_padding: return "bad_padding";
    case bind_errc::malformed_inner: return "malformed_inner";
  }
  return "unknown";
}

bind_error::bind_error(bind_errc code, const std::string& what)
  : transport_error(std::string("bind message: ") + to_string(code) + ": " + what), code_(code) {}

void bind_auth_key_inner::write(tl::writer& w) const {
  w.write_uint32(id);
  w.write_int64(nonce);
  w.write_int64(temp_auth_key_id);
  w.write_int64(perm_auth_key_id);
  w.write_int64(temp_session_id);
  w.write_int32(expires_at);
}

bind_auth_key_inner bind_auth_key_inner::read(tl::reader& r) {
  r.expect_id(id, "bind_auth_key_inner");
  bind_auth_key_inner x;
  x.nonce = r.read_int64("nonce");
  x.temp_auth_key_id = r.read_int64("temp_auth_key_id");
  x.perm_auth_key_id = r.read_int64("perm_auth_key_id");
  x.temp_session_id = r.read_int64("temp_session_id");
  x.expires_at = r.read_int32("expires_at");
  return x;
}

bool operator==(const bind_auth_key_inner& a, const bind_auth_key_inner& b) {
  return a.nonce == b.nonce && a.temp_auth_key_id == b.temp_auth_key_id
         && a.perm_auth_key_id == b.perm_auth_key_id && a.temp_session_id == b.temp_session_id
         && a.expires_at == b.expires_at;
}

void bind_temp_auth_key::write(tl::writer& w) const {
  w.write_uint32(id);
  w.write_int64(perm_auth_key_id);
  w.write_int64(nonce);
  w.write_int32(expires_at);
  w.write_bytes(encrypted_message);
}

bind_temp_auth_key bind_temp_auth_key::read(tl::reader& r) {
  r.expect_id(id, "auth.bindTempAuthKey");
  bind_temp_auth_key x;
  x.perm_auth_key_id = r.read_int64("perm_auth_key_id");
  x.nonce = r.read_int64("nonce");
  x.expires_at = r.read_int32("expires_at");
  auto m = r.read_bytes("encrypted_message");
  x.encrypted_message.assign(m.begin(), m.end());
  return x;
}

crypto::aes_key_iv derive_aes_key_iv_v1(const crypto::auth_key_bytes& auth_key,
                                        crypto::direction dir,
                                        const crypto::msg_key_bytes& msg_key) {
  const size_t x = static_cast<size_t>(dir);
  const byte_view mk{msg_key.data(), msg_key.size()};
  crypto::sha1 h;
  auto a = h.update(mk).update(key_part(auth_key, x, 32)).finish();
  auto b = h.update(key_part(auth_key, 32 + x, 16)).update(mk)
             .update(key_part(auth_key, 48 + x, 16)).finish();
  auto c = h.update(key_part(auth_key, 64 + x, 32)).update(mk).finish();
  auto d = h.update(mk).update(key_part(auth_key, 96 + x, 32)).finish();
  crypto::aes_key_iv out;
  auto put = [](uint8_t*& at, const crypto::sha1_digest& from, size_t pos, size_t n) {
    std::memcpy(at, from.data() + pos, n);
    at += n;
  };
  uint8_t* k = out.key.data();
  put(k, a, 0, 8);
  put(k, b, 8, 12);
  put(k, c, 4, 12);
  uint8_t* v = out.iv.data();
  put(v, a, 8, 12);
  put(v, b, 0, 8);
  put(v, c, 16, 4);
  put(v, d, 0, 8);
  return out;
}

byte_buffer seal_bind_message(const crypto::auth_key_bytes& perm_key, int64_t msg_id,
                              const bind_auth_key_inner& inner, random_source& rng) {
  byte_buffer plain(16);
  rng.fill(plain.data(), 16);
  tl::writer w{plain};
  w.write_int64(msg_id);
  w.write_int32(0);                               // seqno
  w.write_int32(static_cast<int32_t>(inner_size));
  inner.write(w);
  const auto msg_key = msg_key_v1(plain);         // of the unpadded plaintext
  const size_t pad = (16 - plain.size() % 16) % 16;
  if (pad > 0) {
    const size_t at = plain.size();
    plain.resize(at + pad);
    rng.fill(plain.data() + at, pad);
  }
  const auto kv = derive_aes_key_iv_v1(perm_key, crypto::direction::client_to_server, msg_key);
  byte_buffer out(seal_prefix + plain.size());
  store_le64(out.data(), crypto::auth_key_id(perm_key));
  std::memcpy(out.data() + 8, msg_key.data(), msg_key.size());
  crypto::aes_ige_encrypt(kv.key, kv.iv, plain.data(), out.data() + seal_prefix, plain.size());
  std::fill(plain.begin(), plain.end(), 0);
  return out;
}

bind_auth_key_inner open_bind_message(const crypto::auth_key_bytes& perm_key,
                                      byte_view sealed, int64_t msg_id) {
  if (sealed.size() < seal_prefix + header_size + inner_size
      || (sealed.size() - seal_prefix) % 16 != 0)
    throw bind_error(bind_errc::bad_length,
                     std::to_string(sealed.size()) + " bytes is not 24 + a multiple of 16 >= 72");
  if (load_le64(sealed.data()) != crypto::auth_key_id(perm_key))
    throw bind_error(bind_errc::wrong_key_id, "sealed with another permanent key");
  crypto::msg_key_bytes msg_key;
  std::memcpy(msg_key.data(), sealed.data() + 8, msg_key.size());
  const auto kv = derive_aes_key_iv_v1(perm_key, crypto::direction::client_to_server, msg_key);
  byte_buffer plain(sealed.size() - seal_prefix);
  crypto::aes_ige_decrypt(kv.key, kv.iv, sealed.data() + seal_prefix, plain.data(), plain.size());
  const uint32_t len = load_le32(plain.data() + 28);
  // The length is checked before it is used for the msg_key; the verdict on
  // a bad length and a bad msg_key is the same (the server says
  // ENCRYPTED_MESSAGE_INVALID to both).
  if (len != inner_size || header_size + len > plain.size())
    throw bind_error(bind_errc::bad_header, "msg_len " + std::to_string(len) + ", expected 40");
  const auto expect = msg_key_v1(byte_view{plain.data(), header_size + len});
  if (!crypto::equal_constant_time(byte_view{expect.data(), expect.size()},
                                   byte_view{msg_key.data(), msg_key.size()}))
    throw bind_error(bind_errc::msg_key_mismatch, "msg_key is not SHA-1 of the plaintext");
  if (plain.size() - header_size - len > 15)
    throw bind_error(bind_errc::bad_padding,
                     std::to_string(plain.size() - header_size - len) + " padding bytes");
  if (load_le32(plain.data() + 24) != 0)
    throw bind_error(bind_errc::bad_header,
                     "seqno " + std::to_string(load_le32(plain.data() + 24)) + ", expected 0");
  const auto named = static_cast<int64_t>(load_le64(plain.data() + 16));
  if (named != msg_id)
    throw bind_error(bind_errc::msg_id_mismatch,
                     "names msg_id " + std::to_string(named) + ", carried by "
                       + std::to_string(msg_id));
  tl::reader r{byte_view{plain.data() + header_size, len}};
  try {
    auto inner = bind_auth_key_inner::read(r);
    r.expect_end("bind_auth_key_inner");
    std::fill(plain.begin(), plain.end(), 0);
    return inner;
  } catch (const tl::decode_error& e) {
    throw bind_error(bind_errc::malformed_inner, e.what());
  }
}

byte_buffer make_bind_request(const crypto::auth_key_bytes& perm_key, uint64_t temp_auth_key_id,
                              uint64_t temp_session_id, int32_t expires_at, int64_t msg_id,
                              random_source& rng) {
  bind_auth_key_inner inner;
  inner.nonce = rng.next<int64_t>();
  inner.temp_auth_key_id = static_cast<int64_t>(temp_auth_key_id);
  inner.perm_auth_key_id = static_cast<int64_t>(crypto::auth_key_id(perm_key));
  inner.temp_session_id = static_cast<int64_t>(temp_session_id);
  inner.expires_at = expires_at;
  bind_temp_auth_key req;
  req.perm_auth_key_id = inner.perm_auth_key_id;
  req.nonce = inner.nonce;
  req.expires_at = expires_at;
  req.encrypted_message = seal_bind_message(perm_key, msg_id, inner, rng);
  byte_buffer out;
  tl::writer w{out};
  req.write(w);
  return out;
}

} // namespace mtsender::handshake
