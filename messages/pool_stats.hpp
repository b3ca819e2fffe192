// A snapshot of the pool, answered to (caf::get_atom, stats_atom).
//
// Latency figures are the pool-side round trip of answered requests (pool ->
// connection -> server -> pool), over the last 1024 answers of the DC.
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mtsender {

// One connection class of a DC (messages/connection_class.hpp). The DC's
// own figures (live_slots, in_flight, ...) count every class.
struct pool_class_stats {
  uint8_t connection_class = 0;     // conn_class
  uint32_t live_slots = 0;
  uint32_t starting_slots = 0;
  uint32_t waiting_slots = 0;       // in restart back-off
  uint64_t in_flight = 0;
  uint64_t queued = 0;              // waiting for a live connection of the class
  uint64_t answered = 0;
  uint64_t opened = 0;              // connections started (first start or restart)
  uint64_t idle_closed = 0;         // file connections closed after pool_config::file_idle_close
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_class_stats& x) {
  return f(caf::meta::type_name("mtsender_pool_class_stats"), x.connection_class, x.live_slots,
           x.starting_slots, x.waiting_slots, x.in_flight, x.queued, x.answered, x.opened,
           x.idle_closed);
}

struct pool_dc_stats {
  int32_t dc_id = 0;
  uint32_t live_slots = 0;          // connections ready for requests
  uint32_t starting_slots = 0;      // connecting or making the auth key
  uint32_t waiting_slots = 0;       // in restart back-off
  uint64_t in_flight = 0;           // handed to a connection, not answered
  uint64_t queued = 0;              // waiting for a live connection
  uint64_t retry_waiting = 0;       // sleeping before a retry (flood wait, ...)
  int64_t rtt_median_us = -1;       // -1 = no answers yet
  int64_t rtt_p99_us = -1;
  uint64_t answered = 0;
  uint64_t failed = 0;              // invokes answered with an error
  uint64_t reconnects = 0;          // connections replaced
  std::map<std::string, uint64_t> reconnect_causes;  // by cause
  uint64_t flood_waits = 0;         // FLOOD_WAIT-like answers seen
  uint64_t resent = 0;              // requests sent again after a lost connection
  uint64_t lost_checked = 0;        // lost after a send: the server asked whether it got them
  uint64_t auth_keys_created = 0;
  uint64_t auth_keys_dropped = 0;   // the server confirmed, on a fresh connection, it lost it
  uint64_t auth_key_checks = 0;     // a -404 or refused bind named the key: checked anew
  uint64_t temp_keys_lost = 0;      // -404 for a temporary key (PFS): a new one is made
  uint64_t temp_keys_renewed = 0;   // replaced before they expired
  uint8_t circuit_state = 0;        // retry::breaker_state: 0 closed, 1 open, 2 half-open
  uint64_t bytes_out = 0;           // request bodies handed to connections
  uint64_t bytes_in = 0;            // answer bodies received
  // By conn_class: [0] main, [1] upload, [2] download.
  std::vector<pool_class_stats> classes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_dc_stats& x) {
  return f(caf::meta::type_name("mtsender_pool_dc_stats"), x.dc_id, x.live_slots,
           x.starting_slots, x.waiting_slots, x.in_flight, x.queued, x.retry_waiting,
           x.rtt_median_us, x.rtt_p99_us, x.answered, x.failed, x.reconnects,
           x.reconnect_causes, x.flood_waits, x.resent, x.lost_checked, x.auth_keys_created,
           x.auth_keys_dropped, x.circuit_state, x.bytes_out, x.bytes_in, x.auth_key_checks,
           x.temp_keys_lost, x.temp_keys_renewed, x.classes);
}

struct pool_stats {
  std::vector<pool_dc_stats> dcs;   // DCs that were used, by id
  uint32_t listeners = 0;
  uint64_t events_dropped = 0;      // for slow listeners (gap events sent)
  uint64_t listeners_removed = 0;   // dead, or unsubscribed by overflow

  const pool_dc_stats* dc(int32_t id) const {
    for (auto& d : dcs)
      if (d.dc_id == id)
        return &d;
    return nullptr;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  return f(caf::meta::type_name("mtsender_pool_stats"), x.dcs, x.listeners, x.events_dropped,
           x.listeners_removed);
}

} // namespace mtsender
