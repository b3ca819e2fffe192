// Tools for tests that play a misbehaving peer: decode a handshake message,
// change it, and encode it again (re-encrypting the inner payloads with the
// temporary key both honest sides would use).
#pragma once

#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/handshake/handshake_math.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/serialize.hpp"

#include "test_support.hpp"

#include <cstring>

namespace hs_test {

template <class T>
T decode(byte_view body) {
  tl::reader r{body};
  auto x = T::read(r);
  REQUIRE(r.at_end());
  return x;
}

using tl::serialize;

// SHA1(data) ‖ data ‖ padding to a multiple of 16 plus `extra_blocks` more
// blocks, AES-IGE encrypted; `break_hash` flips a bit of the SHA-1.
inline byte_buffer seal(byte_view data, const crypto::aes_key_iv& k, size_t extra_blocks = 0,
                        bool break_hash = false) {
  byte_buffer buf(20);
  auto d = crypto::sha1::hash(data);
  std::memcpy(buf.data(), d.data(), 20);
  if (break_hash)
    buf[5] ^= 1;
  buf.insert(buf.end(), data.begin(), data.end());
  buf.resize((buf.size() + 15) / 16 * 16 + 16 * extra_blocks, 0x33);
  crypto::aes_ige_encrypt(k.key, k.iv, buf.data(), buf.data(), buf.size());
  return buf;
}

inline crypto::aes_key_iv tmp_key_of(const handshake::client_handshake& client) {
  auto& t = client.transcript();
  return crypto::handshake_key_iv(t.new_nonce, t.server_nonce);
}

// Rewrites server_DH_params_ok: `edit` changes the decrypted inner data.
template <class F>
void rewrite_answer(const handshake::client_handshake& client, byte_buffer& body, F&& edit,
                    size_t extra_blocks = 0, bool break_hash = false) {
  auto ok = decode<tl::server_dh_params_ok>(body);
  auto k = tmp_key_of(client);
  auto inner = handshake::decode_hashed<tl::server_dh_inner_data>(ok.encrypted_answer, k.key,
                                                                 k.iv, "test");
  edit(inner);
  ok.encrypted_answer = seal(serialize(inner), k, extra_blocks, break_hash);
  body = serialize(ok);
}

// Rewrites set_client_DH_params from the client, for server-side tests.
template <class F>
void rewrite_client_dh(const handshake::client_handshake& client, byte_buffer& body, F&& edit,
                       size_t extra_blocks = 0, bool break_hash = false) {
  auto req = decode<tl::set_client_dh_params>(body);
  auto k = tmp_key_of(client);
  auto inner = handshake::decode_hashed<tl::client_dh_inner_data>(req.encrypted_data, k.key,
                                                                 k.iv, "test");
  edit(inner);
  req.encrypted_data = seal(serialize(inner), k, extra_blocks, break_hash);
  body = serialize(req);
}

} // namespace hs_test
