// Faults the test server can inject, so clients can be tested against a
// misbehaving server. Set from the C++ API (server::set_faults) or from the
// command line (parse_fault_flag in cli.hpp). Counters such as "after N
// frames" are per connection; "times" budgets are per DC and count down
// (0 = unlimited).
#pragma once

#include <cstdint>
#include <string>

namespace mtsender::test_dc {

// The handshake request at which the server closes the connection instead of
// answering.
enum class handshake_step : uint8_t {
  none = 0,
  req_pq = 1,               // req_pq / req_pq_multi
  req_dh_params = 2,
  set_client_dh_params = 3,
};

// What to send instead of an answer.
enum class bad_frame : uint8_t {
  none = 0,
  corrupted,   // a well-framed packet whose encrypted bytes are flipped
  truncated,   // part of a frame, then the connection is closed
  oversized,   // a frame header declaring a length above any frame limit
  garbage,     // random bytes in place of a frame
};

const char* to_string(handshake_step s) noexcept;
const char* to_string(bad_frame b) noexcept;

struct fault_plan {
  // Close each connection once it has received this many frames (0: never).
  uint32_t close_after_frames = 0;
  handshake_step close_at_handshake = handshake_step::none;
  // Answer each encrypted packet with this transport error (-404, -429, ...)
  // and close the connection; 0: off.
  int32_t transport_error = 0;
  uint32_t transport_error_times = 0;
  // Replace the next answer packet with a bad frame.
  bad_frame bad_answer = bad_frame::none;
  uint32_t bad_answer_times = 0;
  // Stop reading and answering once a connection has received this many
  // frames (the socket stays open).
  bool stall = false;
  uint32_t stall_after_frames = 0;
  // A connection lost with a query in flight: an encrypted packet carrying a
  // query with this constructor id (top-level, in a container, gzip_packed or
  // inside invokeWithLayer / initConnection / invokeAfterMsg) closes the
  // connection before anything in the packet is looked at. No msg_id of it is
  // recorded (msgs_state_req answers 2 or 3 for them), nothing is acked or
  // answered; the session stays known, so the client can reconnect and ask.
  // 0: off.
  uint32_t lose_query = 0;
  uint32_t lose_query_times = 0;
  // Answer get_future_salts with rpc_error 400 FUTURE_SALTS_UNSUPPORTED
  // instead of future_salts, as some servers do.
  bool refuse_future_salts = false;

  bool any() const noexcept {
    return close_after_frames || close_at_handshake != handshake_step::none
           || transport_error || bad_answer != bad_frame::none || stall || lose_query
           || refuse_future_salts;
  }
};

// One line describing the active faults ("none" when there are none).
std::string describe(const fault_plan& f);

} // namespace mtsender::test_dc
