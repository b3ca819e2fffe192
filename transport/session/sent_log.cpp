#include "mtsender/transport/session/sent_log.hpp"

namespace mtsender::session {

void sent_log::add(uint64_t msg_id, int64_t local_ns) {
  entries_.push_back({msg_id, local_ns});
  while (entries_.size() > capacity_
         || (!entries_.empty() && entries_.front().sent_ns < local_ns - max_age_ns_))
    entries_.pop_front();
}

bool sent_log::take(uint64_t msg_id, int64_t local_ns) {
  if (msg_id == 0)
    return false;
  // Notices are about what went out last: search from the newest.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->msg_id != msg_id)
      continue;
    if (it->sent_ns < local_ns - max_age_ns_)
      return false;
    it->msg_id = 0;
    return true;
  }
  return false;
}

} // namespace mtsender::session
