#include "mtsender/actors/pool_routing.hpp"

namespace mtsender::pool_detail {

int pick_slot(const std::vector<slot_load>& slots, size_t& rr) {
  const size_t n = slots.size();
  int best = -1;
  // Walk from the slot after the last choice, so equal loads rotate.
  for (size_t k = 1; k <= n; ++k) {
    size_t i = (rr + k) % n;
    if (!slots[i].live)
      continue;
    if (best < 0 || slots[i].in_flight < slots[static_cast<size_t>(best)].in_flight)
      best = static_cast<int>(i);
  }
  if (best >= 0)
    rr = static_cast<size_t>(best);
  return best;
}

bool should_open_slot(const std::vector<slot_load>& slots, size_t busy_threshold,
                      size_t max_connections) {
  size_t used = 0;
  for (auto& s : slots) {
    if (s.starting)
      return false;  // one opening at a time: it may absorb the load
    if (s.used)
      ++used;
    if (s.live && s.in_flight < busy_threshold)
      return false;
  }
  return used < max_connections && used < slots.size();
}

int free_slot(const std::vector<slot_load>& slots) {
  for (size_t i = 0; i < slots.size(); ++i)
    if (!slots[i].used)
      return static_cast<int>(i);
  return -1;
}

} // namespace mtsender::pool_detail
