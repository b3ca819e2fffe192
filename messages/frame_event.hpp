// Things a connection (or the pool) tells its listeners without being asked.
//
// A connection sends these to its parent with a plain send, never a request,
// so a slow listener cannot hold up acks, pings or replies:
//   [](const frame_event& ev) {
//     if (ev.kind == frame_event_kind::auth_key_created) persist(ev.dc_id, ev.body);
//   }
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mtsender {

enum class frame_event_kind : uint8_t {
  update = 1,         // body: a server-initiated TL object (Updates, ...)
  connection_up,      // the session is ready for requests; value: with a
                      // temporary key, the seconds it has left (else 0)
  connection_down,    // the connection ended; what: the cause
  new_session,        // the server made a new session: updates may be lost
                      // (call updates.getDifference); value: first_msg_id
  auth_key_created,   // body: the new 256-byte auth key; value: its key id
  auth_key_unknown,   // the server does not know a key: value: its id
                      // (-404; or a bind refused: the permanent key's)
  circuit_state,      // pool: a DC's circuit breaker changed; value: state
  gap,                // pool: events were dropped for a slow listener
  home_dc_changed,    // pool: the account's home DC moved (USER_/PHONE_/
                      // NETWORK_MIGRATE_X); value: the new DC, saved in the store
  updates_moved,      // pool: another connection of the DC now carries its
                      // update stream: updates may have been missed (call
                      // updates.getDifference); value: the slot
  dc_table_changed,   // pool: help.getConfig added or moved DCs (saved in
                      // the store); dc_id: the DC asked; value: how many
};

const char* to_string(frame_event_kind k) noexcept;

struct frame_event {
  int32_t dc_id = 0;
  frame_event_kind kind = frame_event_kind::update;
  byte_buffer body;
  int64_t value = 0;
  std::string what;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, frame_event& x) {
  return f(caf::meta::type_name("mtsender_frame_event"), x.dc_id, x.kind, x.body,
           x.value, x.what);
}

} // namespace mtsender
