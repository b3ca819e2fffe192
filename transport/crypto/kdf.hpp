// MTProto 2.0 key derivation.
//
// msg_key = SHA-256(auth_key[88 + x .. 120 + x] ‖ plaintext)[8 .. 24], with
// x = 0 for client -> server and x = 8 for server -> client; aes key and iv
// from SHA-256(msg_key ‖ auth_key[x .. x + 36]) and SHA-256(auth_key[40 + x ..
// 76 + x] ‖ msg_key). See core.telegram.org/mtproto/description.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/sha.hpp"

namespace mtsender::crypto {

using auth_key_bytes = std::array<uint8_t, 256>;
using msg_key_bytes = std::array<uint8_t, 16>;

enum class direction : uint8_t { client_to_server = 0, server_to_client = 8 };

struct aes_key_iv {
  int256 key;
  int256 iv;
};

// auth_key_id: the low 64 bits of SHA-1(auth_key), i.e. digest bytes 12..20
// read little-endian.
uint64_t auth_key_id(const auth_key_bytes& auth_key);

// `h` is a reusable SHA-256 context (see sha.hpp); plaintext includes padding.
msg_key_bytes compute_msg_key(sha256& h, const auth_key_bytes& auth_key,
                              direction dir, byte_view plaintext);
aes_key_iv derive_aes_key_iv(sha256& h, const auth_key_bytes& auth_key,
                             direction dir, const msg_key_bytes& msg_key);

// The handshake's temporary AES key and iv for server_DH_inner_data and
// client_DH_inner_data, from new_nonce and server_nonce (SHA-1 based).
aes_key_iv handshake_key_iv(const int256& new_nonce, const int128& server_nonce);

} // namespace mtsender::crypto
