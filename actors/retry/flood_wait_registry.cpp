#include "mtsender/actors/retry/flood_wait_registry.hpp"

namespace mtsender::retry {

void flood_wait_registry::note(int32_t dc_id, uint32_t constructor_id,
                               retry_time until) {
  if (constructor_id == 0)
    return;
  auto [it, inserted] = entries_.emplace(std::make_pair(dc_id, constructor_id), until);
  if (!inserted && it->second < until)
    it->second = until;
}

std::optional<retry_delay> flood_wait_registry::remaining(
  int32_t dc_id, uint32_t constructor_id, retry_time now) const {
  auto it = entries_.find({dc_id, constructor_id});
  if (it == entries_.end() || it->second <= now)
    return std::nullopt;
  // Round up: waking a millisecond early would hit the server inside the wait.
  return std::chrono::ceil<retry_delay>(it->second - now);
}

size_t flood_wait_registry::purge(retry_time now) {
  size_t dropped = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second <= now) {
      it = entries_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  return dropped;
}

} // namespace mtsender::retry
