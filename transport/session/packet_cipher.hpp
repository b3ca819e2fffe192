// Encrypted MTProto 2.0 packets for one side of a connection: padding,
// message_cipher (msg_key, AES-IGE, auth_key_id) and the plaintext checks.
//
// Used by the client session and by the test server (role::server): the
// client seals with x = 0 and opens with x = 8, the server the other way.
//
//   packet_cipher pc{auth_key, packet_cipher::role::client};
//   byte_buffer plain(plaintext_header_size);   // header slot
//   ... append body ...; write_plaintext_header(plain.data(), h);
//   pc.seal(plain, random, wire_out);           // pads `plain`, appends the packet
//   plaintext_message m = pc.open(packet);      // views into pc's own buffer
//
// open() checks, in this order: auth_key_id, packet length, msg_key (in
// constant time), message_data_length, padding length. Any failure throws
// session_error with the code naming it. The session id and msg_id checks are
// the caller's (they need session state).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/message_cipher.hpp"
#include "mtsender/transport/random.hpp"
#include "mtsender/transport/session/padding.hpp"
#include "mtsender/transport/session/plaintext.hpp"

namespace mtsender::session {

// An encrypted packet is 24 + 16k bytes. The padded intermediate framing
// adds 0..15 random bytes after it; this drops them (shorter input is
// returned unchanged for open() to reject).
inline byte_view strip_transport_padding(byte_view payload) noexcept {
  if (payload.size() < 24)
    return payload;
  return payload.sub(0, payload.size() - (payload.size() - 24) % 16);
}

class packet_cipher {
public:
  enum class role : uint8_t { client, server };

  packet_cipher(const crypto::auth_key_bytes& auth_key, role r,
                padding_policy padding = {});

  uint64_t key_id() const noexcept { return cipher_.key_id(); }
  const crypto::auth_key_bytes& key() const noexcept { return cipher_.key(); }
  void set_padding(padding_policy p) noexcept { padding_ = p; }

  // `plaintext` = header and body (its size a multiple of 4); appends padding
  // to it, then appends the encrypted packet to `out`.
  void seal(byte_buffer& plaintext, random_source& random, byte_buffer& out);

  // Like seal, but with the padding bytes given (known-answer tests); the
  // padding must make the total a multiple of 16 and be 12..1024 bytes.
  void seal_with_padding(byte_buffer& plaintext, byte_view padding, byte_buffer& out);

  // Decrypts and splits a packet. The result points into this object's
  // buffer: valid until the next open().
  plaintext_message open(byte_view packet);

  // The last decrypted plaintext (padding included).
  const byte_buffer& last_plaintext() const noexcept { return rx_; }

private:
  crypto::message_cipher cipher_;
  crypto::direction send_dir_;
  crypto::direction recv_dir_;
  padding_policy padding_;
  byte_buffer rx_;
};

} // namespace mtsender::session
