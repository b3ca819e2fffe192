// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
//
// The deadlines of a connection's requests, earliest first.
//
// Most requests get the default deadline counted from when they arrive, so
// deadlines mostly come in order: those are appended to a FIFO, O(1) each.
// One that comes before the newest (a shorter deadline_ms) goes to a heap.
// The earliest is the smaller of the two fronts.
//
// A request that ends before its deadline leaves its entry behind: front()
// skips and drops entries whose token the caller says is gone, and
// rebuild_if_stale() starts over from the live ones once the dead ones
// outnumber them by far. Before this, one heap took every entry: at 512 in
// flight with the dead entries it held some 5,000, and a push and a pop per
// request were 1.6% of the client's time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace mtsender::detail {

class deadline_queue {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using entry = std::pair<time_point, uint64_t>;  // deadline, token

  void push(time_point at, uint64_t token) {
    if (fifo_.empty() || at >= fifo_.back().first)
      fifo_.emplace_back(at, token);
    else
      heap_.emplace(at, token);
  }

  // The earliest entry whose token `alive` accepts; dead ones in front of
  // it are dropped on the way.
  template <class Alive>
  std::optional<entry> front(Alive&& alive) {
    while (!fifo_.empty() && !alive(fifo_.front().second))
      fifo_.pop_front();
    while (!heap_.empty() && !alive(heap_.top().second))
      heap_.pop();
    if (empty())
      return std::nullopt;
    return fifo_first() ? fifo_.front() : heap_.top();
  }

  // Removes the entry front() returned last.
  void pop() {
    if (fifo_first())
      fifo_.pop_front();
    else
      heap_.pop();
  }

  size_t size() const noexcept { return fifo_.size() + heap_.size(); }
  bool empty() const noexcept { return fifo_.empty() && heap_.empty(); }

  // Starts over from `live` (the requests still pending) when the entries
  // are more than twice as many plus `slack`.
  template <class Live>
  void rebuild_if_stale(size_t live_count, size_t slack, Live&& live) {
    if (size() < 2 * live_count + slack)
      return;
    std::vector<entry> all;
    all.reserve(live_count);
    live([&](time_point at, uint64_t token) { all.emplace_back(at, token); });
    std::sort(all.begin(), all.end());
    fifo_.assign(all.begin(), all.end());
    heap_ = {};
  }

private:
  // Whether the earliest entry is the FIFO's (not empty() assumed checked).
  bool fifo_first() const {
    return heap_.empty() || (!fifo_.empty() && fifo_.front().first <= heap_.top().first);
  }

  std::deque<entry> fifo_;  // ascending
  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
};

} // namespace mtsender::detail
