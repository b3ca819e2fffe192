#include "mtsender/transport/session/replay_window.hpp"

#include <algorithm>

namespace mtsender::session {

replay_window::verdict replay_window::insert(uint64_t msg_id) {
  if (ids_.empty() || msg_id > ids_.back()) {
    ids_.push_back(msg_id);
  } else {
    // Out of order by a place or two, as a container's id and the lower ids
    // of the messages in it: look from the back before a binary search.
    auto it = ids_.end();
    for (int steps = 0; steps < 4 && it != ids_.begin() && *(it - 1) >= msg_id; ++steps)
      --it;
    if (it != ids_.begin() && *(it - 1) >= msg_id)
      it = std::lower_bound(ids_.begin(), it, msg_id);
    if (it != ids_.end() && *it == msg_id)
      return verdict::duplicate;
    if (it == ids_.begin() && full())
      return verdict::too_old;
    ids_.insert(it, msg_id);
  }
  if (ids_.size() > capacity_)
    ids_.pop_front();
  return verdict::fresh;
}

void replay_window::restore(const std::vector<uint64_t>& ids) {
  std::vector<uint64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (auto id : sorted)
    insert(id);  // ascending: mostly appends; a full window drops the lowest
}

bool replay_window::contains(uint64_t msg_id) const {
  return std::binary_search(ids_.begin(), ids_.end(), msg_id);
}

} // namespace mtsender::session
