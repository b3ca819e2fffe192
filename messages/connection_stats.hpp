// A snapshot of one connection, answered to (caf::get_atom, stats_atom).
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace mtsender {

struct connection_stats {
  int32_t dc_id = 0;
  bool ready = false;             // handshake done, session usable
  uint64_t in_flight = 0;         // sent, not answered
  uint64_t queued = 0;            // accepted, not sent yet
  uint64_t bytes_in_flight = 0;   // body bytes of in_flight + queued
  int64_t rtt_us = -1;            // last ping round trip; -1 = none yet
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  uint64_t requests_answered = 0;
  uint64_t containers_sent = 0;
  int64_t connect_us = -1;        // spawn -> TCP connected; -1 = not yet
  int64_t handshake_us = -1;      // TCP connected -> auth key ready; 0 with a given key
  uint64_t new_sessions = 0;      // new_session_created received
  uint64_t salt_changes = 0;      // bad_server_salt received
  uint64_t time_corrections = 0;  // bad_msg_notification 16/17
  uint64_t seqno_corrections = 0; // bad_msg_notification 32/33
  uint64_t messages_ignored = 0;  // duplicates, out of window, unreadable
  uint64_t lost_checked = 0;      // requests of a lost connection asked about (msgs_state_req)
  uint64_t lost_resent = 0;       // ... of which the server never got these: sent again
  uint64_t lost_answers_asked = 0;// ... whose answer existed: asked for again (msg_resend_ans_req)
  uint64_t salts_refused = 0;     // get_future_salts answered with rpc_error
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_stats& x) {
  return f(caf::meta::type_name("mtsender_connection_stats"), x.dc_id, x.ready,
           x.in_flight, x.queued, x.bytes_in_flight, x.rtt_us, x.frames_sent,
           x.frames_received, x.requests_answered, x.containers_sent, x.connect_us,
           x.handshake_us, x.new_sessions, x.salt_changes, x.time_corrections,
           x.seqno_corrections, x.messages_ignored, x.lost_checked, x.lost_resent,
           x.lost_answers_asked, x.salts_refused);
}

} // namespace mtsender
