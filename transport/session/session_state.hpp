// What a client session needs to continue after a reconnect (or a restart):
// auth key, session id, salts, time offset, sequence count, last msg_id and
// the replay window (the server msg_ids already seen, so a packet recorded
// on one connection is not accepted again on the next).
//
//   byte_buffer saved = serialize_session_state(session.save());
//   ...
//   client_session s{parse_session_state(saved), clock, random};
//
// The byte format is versioned ("MTSS", version 2; version 1, without the
// replay window, is still read) and ends in a checksum; parse_session_state
// throws session_error(bad_state) naming what is wrong (bad magic, unknown
// version, truncated, checksum mismatch, trailing bytes, a value out of
// bounds). At most max_saved_seen_ids ids are written (the newest).
// The auth key is a secret: store the bytes accordingly.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/random.hpp"
#include "mtsender/transport/session/salts.hpp"

#include <vector>

namespace mtsender::session {

struct session_state {
  crypto::auth_key_bytes auth_key{};
  uint64_t session_id = 0;
  uint64_t server_salt = 0;
  std::vector<salt_entry> future_salts;
  int64_t time_offset_ns = 0;  // server time - local time
  bool time_synced = false;    // the offset came from the server
  uint32_t seqno = 0;          // content-related messages sent so far
  uint64_t last_msg_id = 0;
  std::vector<uint64_t> seen_msg_ids;  // server msg_ids already accepted, ascending

  // A new session on `auth_key`: random session id, the first salt (from the
  // handshake: new_nonce[0..8] xor server_nonce[0..8]).
  static session_state fresh(const crypto::auth_key_bytes& auth_key,
                             uint64_t server_salt, random_source& random);

  friend bool operator==(const session_state& a, const session_state& b) noexcept;
};

inline constexpr size_t max_saved_seen_ids = 4096;

byte_buffer serialize_session_state(const session_state& s);
session_state parse_session_state(byte_view bytes);

} // namespace mtsender::session
