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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_stats& x) {
  return f(caf::meta::type_name("mtsender_connection_stats"), x.dc_id, x.ready,
           x.in_flight, x.queued, x.bytes_in_flight, x.rtt_us, x.frames_sent,
           x.frames_received, x.requests_answered, x.containers_sent);
}

} // namespace mtsender
