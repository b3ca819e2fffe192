// Duplicate detection over the most recent incoming msg_ids.
//
// Remembers the last `capacity` ids (at least 1000 per the security
// guidelines). An id already remembered is a duplicate; an id below the
// oldest remembered one once the window is full cannot be checked and counts
// as too old (TDLib does the same). Server ids mostly increase, so inserts
// are usually an append.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace mtsender::session {

class replay_window {
public:
  enum class verdict : uint8_t { fresh, duplicate, too_old };

  explicit replay_window(size_t capacity = 1024) : capacity_(capacity ? capacity : 1) {}

  // Records `msg_id` if fresh.
  verdict insert(uint64_t msg_id);
  bool contains(uint64_t msg_id) const;
  size_t size() const noexcept { return ids_.size(); }
  bool full() const noexcept { return ids_.size() >= capacity_; }
  // The smallest id remembered (0 when empty).
  uint64_t oldest() const noexcept { return ids_.empty() ? 0 : ids_.front(); }

private:
  size_t capacity_;
  std::deque<uint64_t> ids_;  // sorted ascending
};

} // namespace mtsender::session
