// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Flood waits remembered per (DC, method) for the rest of the wait.
//
// When the server answers FLOOD_WAIT_30 to messages.sendMessage on DC 2,
// every other sendMessage to DC 2 would get the same answer for the next 30
// s (and more hits can make the wait longer). The pool notes the wait here
// and checks it before sending, so those requests wait (or fail, as their
// policy says) without touching the server.
//
//   registry.note(2, 0xdff8042c, now + 30s);
//   if (auto left = registry.remaining(2, 0xdff8042c, now)) ...
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace mtsender::retry {

class flood_wait_registry {
public:
  // Remembers that (dc_id, constructor_id) must not be called before
  // `until`; an earlier `until` than one already known is ignored. Unknown
  // methods (constructor id 0) are not remembered: they would block
  // unrelated requests.
  void note(int32_t dc_id, uint32_t constructor_id, retry_time until);

  // How long the method must still wait on that DC; nullopt when it need not.
  std::optional<retry_delay> remaining(int32_t dc_id, uint32_t constructor_id,
                                       retry_time now) const;

  // Forgets expired entries; returns how many were dropped. The pool calls it
  // now and then so the map stays as small as the set of live waits.
  size_t purge(retry_time now);

  size_t size() const { return entries_.size(); }

private:
  std::map<std::pair<int32_t, uint32_t>, retry_time> entries_;
};

} // namespace mtsender::retry
