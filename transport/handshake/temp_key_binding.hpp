// Binding a temporary auth key to the permanent one (perfect forward
// secrecy, core.telegram.org/api/pfs and /method/auth.bindTempAuthKey).
//
// The client makes a temporary key (client_handshake with
// inner_data_kind::temp_dc), opens a session with it, and sends
// auth.bindTempAuthKey as that session's first message. Its
// encrypted_message is bind_auth_key_inner sealed with the *permanent* key in
// MTProto 1.0 (SHA-1 msg_key and key derivation), naming the msg_id of the
// very message that carries the request, so it cannot be replayed in
// another one:
//
//   auto body = make_bind_request(perm_key, temp_key_id, session_id, expires_at,
//                                 msg_id, rng);          // at send time, once msg_id is known
//   // server side:
//   auto req = bind_temp_auth_key::read(reader);
//   auto inner = open_bind_message(perm_key, req.encrypted_message, msg_id);
//
// open_bind_message() makes every check the server needs on the sealed part
// and throws bind_error naming the first that failed; comparing the inner
// fields with the request and the session is the caller's (the server's).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/error.hpp"
#include "mtsender/transport/random.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>
#include <string>

namespace mtsender::handshake {

struct bind_auth_key_inner {
  static constexpr uint32_t id = 0x75a3f765;
  int64_t nonce = 0;
  int64_t temp_auth_key_id = 0;
  int64_t perm_auth_key_id = 0;
  int64_t temp_session_id = 0;
  int32_t expires_at = 0;        // unix time, server clock

  void write(tl::writer& w) const;
  static bind_auth_key_inner read(tl::reader& r);
  friend bool operator==(const bind_auth_key_inner& a, const bind_auth_key_inner& b);
};

// auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int
//   encrypted_message:bytes = Bool
struct bind_temp_auth_key {
  static constexpr uint32_t id = 0xcdd42a05;
  int64_t perm_auth_key_id = 0;
  int64_t nonce = 0;
  int32_t expires_at = 0;
  byte_buffer encrypted_message;

  void write(tl::writer& w) const;
  static bind_temp_auth_key read(tl::reader& r);
};

enum class bind_errc : uint8_t {
  bad_length = 1,     // not auth_key_id + msg_key + a non-empty multiple of 16 bytes
  wrong_key_id,       // not sealed with this permanent key
  msg_key_mismatch,   // SHA-1 msg_key does not match the decrypted plaintext
  bad_header,         // seqno is not 0, or msg_len is not 40
  msg_id_mismatch,    // names another message than the one that carried it
  bad_padding,        // more than 15 padding bytes
  malformed_inner,    // not a bind_auth_key_inner
};

const char* to_string(bind_errc code) noexcept;

class bind_error : public transport_error {
public:
  bind_error(bind_errc code, const std::string& what);
  bind_errc code() const noexcept { return code_; }

private:
  bind_errc code_;
};

// MTProto 1.0 key derivation (core.telegram.org/mtproto/description_v1),
// used only for the binding message.
crypto::aes_key_iv derive_aes_key_iv_v1(const crypto::auth_key_bytes& auth_key,
                                        crypto::direction dir,
                                        const crypto::msg_key_bytes& msg_key);

// encrypted_message for `inner`, sent in the message `msg_id`. Draws 16
// random bytes (the int128 in place of salt and session_id), then the padding.
byte_buffer seal_bind_message(const crypto::auth_key_bytes& perm_key, int64_t msg_id,
                              const bind_auth_key_inner& inner, random_source& rng);

// The inner message, after checking the seal. Throws bind_error.
bind_auth_key_inner open_bind_message(const crypto::auth_key_bytes& perm_key,
                                      byte_view encrypted_message, int64_t msg_id);

// The serialized auth.bindTempAuthKey request, for the message `msg_id`:
// draws the nonce (8 bytes), then what seal_bind_message draws.
byte_buffer make_bind_request(const crypto::auth_key_bytes& perm_key, uint64_t temp_auth_key_id,
                              uint64_t temp_session_id, int32_t expires_at, int64_t msg_id,
                              random_source& rng);

} // namespace mtsender::handshake
