// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Which connection of a DC gets the next request, and when to open another.
//
// Pure functions over the slots' load, so the rule is tested without
// sockets: the live slot with the fewest requests in flight wins, ties go
// round-robin (starting after the slot chosen last); a new slot is opened
// when every live slot is busy and the cap allows.
//
//   std::vector<slot_load> v = ...;
//   auto i = pick_slot(v, rr);              // index, or -1 when none is live
//   if (should_open_slot(v, busy_threshold, max_connections)) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtsender::pool_detail {

struct slot_load {
  bool live = false;        // ready for requests
  bool starting = false;    // connecting, handshaking, or waiting for the key
  bool used = false;        // anything but an empty slot (live, starting, backoff)
  uint64_t in_flight = 0;
};

// `rr` is the round-robin cursor: updated to the chosen index.
int pick_slot(const std::vector<slot_load>& slots, size_t& rr);

// True when no slot is starting, every live slot has at least
// busy_threshold requests in flight, and fewer than max_connections are used.
bool should_open_slot(const std::vector<slot_load>& slots, size_t busy_threshold,
                      size_t max_connections);

// The first empty slot, or -1.
int free_slot(const std::vector<slot_load>& slots);

} // namespace mtsender::pool_detail
