// The msg_ids this session sent recently, so that a server notice naming one
// (bad_msg_notification, bad_server_salt) is checked before it moves the
// clock, the salt or the sequence count.
//
// A notice is only believed when it names an id we sent within the last
// `max_age` (local time) that no earlier notice named: each id can be
// corrected once. A notice recorded on the wire and played back later, even
// on a new connection of the same session, names an id already taken or
// long gone, and is ignored. Bounded by `capacity` ids (the oldest go).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace mtsender::session {

class sent_log {
public:
  sent_log(size_t capacity, int64_t max_age_ns) noexcept
    : capacity_(capacity ? capacity : 1), max_age_ns_(max_age_ns) {}

  void add(uint64_t msg_id, int64_t local_ns);
  // True, once, if `msg_id` was sent no longer than max_age before `local_ns`.
  bool take(uint64_t msg_id, int64_t local_ns);
  size_t size() const noexcept { return entries_.size(); }

private:
  struct entry {
    uint64_t msg_id;  // 0 once taken
    int64_t sent_ns;
  };

  size_t capacity_;
  int64_t max_age_ns_;
  std::deque<entry> entries_;  // in send order
};

} // namespace mtsender::session
