// How the pool treats one listener (an actor subscribed for frame_events).
//
// The pool sends each frame_event to a listener as a REQUEST; the listener's
// reply (any value, conventionally caf::ok_atom) is the ack. At most
// `max_unacked` events are unanswered per listener; further events wait in a
// queue of at most `max_queued` events and `max_queued_bytes` bytes (an
// update body may inflate to 16 MiB, so a count alone does not bound memory).
// When either is full the overflow policy acts:
//   drop_oldest: the oldest queued events are dropped and, once the listener
//                catches up, it first receives one frame_event of kind `gap`
//                (value = how many were dropped): resync (updates.getDifference).
//   unsubscribe: the listener is removed; it gets nothing more.
// An event not acked within `ack_timeout_ms` counts as answered (so a stuck
// listener turns into queue overflow, never into a stalled pool).
//
//   [=](const mtsender::frame_event& ev) -> caf::ok_atom { ...; return caf::ok_atom::value; }
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace mtsender {

enum class listener_overflow : uint8_t { drop_oldest = 1, unsubscribe };

const char* to_string(listener_overflow x) noexcept;

struct listener_options {
  uint32_t max_unacked = 16;
  uint32_t max_queued = 1024;
  // Bytes of the queued events (their bodies and texts); 0 counts as 1 (only
  // what is sent at once gets through).
  uint64_t max_queued_bytes = 32u << 20;
  listener_overflow on_overflow = listener_overflow::drop_oldest;
  int64_t ack_timeout_ms = 30'000;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listener_options& x) {
  return f(caf::meta::type_name("mtsender_listener_options"), x.max_unacked, x.max_queued,
           x.max_queued_bytes, x.on_overflow, x.ack_timeout_ms);
}

} // namespace mtsender
