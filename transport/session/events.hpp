// What the client session reports after reading a packet.
//
// client_session::on_packet appends events to a vector; the caller switches
// on them (std::visit). Byte views in events point into the session's own
// buffers and stay valid until the next on_packet call: copy what you keep.
// Tokens are the caller's (see client_session::invoke).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/session/msg_state.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace mtsender::session {

// The answer to invoke(token, ...): raw TL of the result (gzip_packed
// already inflated). A ping sent through invoke() gets its bare pong here.
struct rpc_result_event {
  uint64_t token = 0;
  byte_view body;
};

// The answer was an rpc_error.
struct rpc_error_event {
  uint64_t token = 0;
  int32_t code = 0;
  std::string message;  // e.g. "FLOOD_WAIT_30"
};

// The server refused the request with a bad_msg_notification the session
// cannot fix (codes other than 16, 17, 32, 33, 48), or the answer could not
// be read. The request is no longer tracked.
struct request_failed_event {
  uint64_t token = 0;
  int32_t bad_msg_code = 0;  // the notification's error_code; 0 for a malformed answer
  std::string detail;
};

struct pong_event {
  int64_t ping_id = 0;
  uint64_t ping_msg_id = 0;
};

// A message that is not an answer: raw TL (Updates and friends), gzip_packed
// inflated. Never a service message.
struct update_event {
  uint64_t msg_id = 0;
  byte_view body;
};

// The server started a new session: updates may have been missed (call
// updates.getDifference). Requests sent before first_msg_id were queued again.
struct new_session_event {
  uint64_t first_msg_id = 0;
  uint64_t unique_id = 0;
  uint64_t server_salt = 0;
  size_t resent = 0;
};

// bad_server_salt: the salt is now `salt`; the named messages were queued again.
struct salt_changed_event {
  uint64_t salt = 0;
  size_t resent = 0;
};

// bad_msg_notification 16/17: the clock offset was corrected from the
// server's msg_id; the named messages were queued again.
struct time_corrected_event {
  int64_t offset_ns = 0;
  int32_t bad_msg_code = 0;
  size_t resent = 0;
};

// bad_msg_notification 32/33: the sequence count was moved; messages queued again.
struct seqno_corrected_event {
  int32_t bad_msg_code = 0;
  size_t resent = 0;
};

// One request named in request_state(): what the server knows of it.
struct msg_state_event {
  uint64_t token = 0;
  uint8_t raw = 0;
  msg_state state;
};

enum class drop_outcome : uint8_t {
  unknown,          // rpc_answer_unknown: the server knows no such request
  dropped_running,  // rpc_answer_dropped_running: it is still running, the answer will be dropped
  dropped,          // rpc_answer_dropped: the answer was dropped
  failed,           // an rpc_error or an unreadable answer
};

// The answer to drop_answer(token).
struct drop_answer_event {
  uint64_t token = 0;
  drop_outcome outcome = drop_outcome::unknown;
};

// future_salts arrived and were stored, or the server answered
// get_future_salts with an rpc_error (some servers do): then count is 0 and
// error_code / error_message say what it answered.
struct future_salts_event {
  size_t count = 0;
  int32_t error_code = 0;
  std::string error_message;
};

struct destroy_session_event {
  uint64_t session_id = 0;
  bool existed = false;  // destroy_session_ok (true) or destroy_session_none
};

enum class ignore_reason : uint8_t {
  duplicate,        // msg_id seen before (acked again, not processed)
  too_old,          // msg_id more than 300 s behind server time, or below the replay window
  too_new,          // msg_id more than 30 s ahead of server time
  even_msg_id,      // an inner message whose msg_id is not odd
  malformed,        // a message body that does not parse
  unknown_request,  // an answer to a msg_id we do not track (forgotten or dropped)
  unexpected,       // a service message a client never expects (ping, msg_copy, nested container, ...)
  too_large,        // a request whose answer would not fit our packet limit (not answered)
};

const char* to_string(ignore_reason r) noexcept;

// One message of a good packet was skipped. Not an error of the connection.
struct message_ignored_event {
  uint64_t msg_id = 0;
  ignore_reason reason = ignore_reason::malformed;
  std::string detail;
};

using event = std::variant<rpc_result_event, rpc_error_event, request_failed_event,
                           pong_event, update_event, new_session_event,
                           salt_changed_event, time_corrected_event,
                           seqno_corrected_event, msg_state_event, drop_answer_event,
                           future_salts_event, destroy_session_event,
                           message_ignored_event>;

} // namespace mtsender::session
