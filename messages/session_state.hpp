// The state of one MTProto session, handed from a dying connection to its
// replacement so the server keeps seeing the same session (and so can tell
// which requests it already received).
//
// A connection sends (handoff_atom, session_state) to its parent before it
// quits on a fault; the parent puts it into the next connection's config.
// The window of server msg_ids already seen goes with it, so a server packet
// recorded on one connection is a duplicate on the next.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <vector>

namespace mtsender {

struct session_state {
  int32_t dc_id = 0;
  byte_buffer auth_key;          // 256 bytes; empty when none was made
  int64_t auth_key_id = 0;
  int64_t session_id = 0;
  int64_t server_salt = 0;
  int64_t salt_valid_until = 0;  // unix seconds, server time; 0 = unknown
  int32_t seq_no = 0;            // count of content-related messages sent
  int64_t last_msg_id = 0;       // msg_ids of the session keep increasing
  int64_t time_offset_ns = 0;    // server time minus local time
  bool time_synced = false;      // the offset came from the server
  std::vector<uint64_t> seen_msg_ids;  // server msg_ids accepted (replay window), ascending
  // Perfect forward secrecy: auth_key is a temporary key, bound to the DC's
  // permanent key, that the server keeps until then (unix seconds, server
  // time). 0: auth_key is the permanent key.
  int64_t temp_key_expires_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_state& x) {
  return f(caf::meta::type_name("mtsender_session_state"), x.dc_id, x.auth_key,
           x.auth_key_id, x.session_id, x.server_salt, x.salt_valid_until,
           x.seq_no, x.last_msg_id, x.time_offset_ns, x.time_synced, x.seen_msg_ids,
           x.temp_key_expires_at);
}

} // namespace mtsender
