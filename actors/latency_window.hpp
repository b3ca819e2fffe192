// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The last N latency samples of a DC, for the median and p99 in pool_stats.
// Adding is O(1); the percentiles are computed only when stats are asked for.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtsender::pool_detail {

class latency_window {
public:
  explicit latency_window(size_t capacity = 1024) : cap_(capacity) { samples_.reserve(cap_); }

  void add(int64_t us) {
    if (samples_.size() < cap_)
      samples_.push_back(us);
    else
      samples_[next_] = us;
    next_ = (next_ + 1) % cap_;
  }

  // The q-quantile (0..1, nearest rank); -1 when empty.
  int64_t quantile(double q) const {
    if (samples_.empty())
      return -1;
    auto v = samples_;
    size_t k = static_cast<size_t>(q * double(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
  }

  size_t size() const { return samples_.size(); }

private:
  size_t cap_;
  size_t next_ = 0;
  std::vector<int64_t> samples_;
};

} // namespace mtsender::pool_detail
