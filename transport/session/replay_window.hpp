// Duplicate detection over the most recent incoming msg_ids.
//
// Remembers the last `capacity` ids (at least 1000 per the security
// guidelines). An id already remembered is a duplicate; an id below the
// oldest remembered one once the window is full cannot be checked and counts
// as too old (TDLib does the same). Server ids mostly increase, so inserts
// are usually an append.
//
// The window belongs to the session, not to one connection: ids() and
// restore() carry it to the next connection (and into saved state), so a
// packet recorded on one connection cannot be replayed on the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

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
  size_t capacity() const noexcept { return capacity_; }

  // The ids remembered, ascending.
  std::vector<uint64_t> ids() const { return {ids_.begin(), ids_.end()}; }
  // Remembers `ids` (any order, duplicates ignored) on top of what is there;
  // beyond the capacity the lowest are forgotten.
  void restore(const std::vector<uint64_t>& ids);

private:
  size_t capacity_;
  std::deque<uint64_t> ids_;  // sorted ascending
};

} // namespace mtsender::session
