// Test helpers for the retry tests: a scripted random source and times.
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"
#include "mtsender/transport/random.hpp"

#include <cstring>
#include <vector>

namespace retry_test {

using namespace std::chrono_literals;
using mtsender::retry::retry_time;
using mtsender::retry::retry_delay;

// Gives the scripted 64-bit values in order, then repeats the last one; so a
// test controls exactly which jitter a policy draws.
class scripted_random : public mtsender::random_source {
public:
  explicit scripted_random(std::vector<uint64_t> values) : values_(std::move(values)) {}
  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      uint64_t v = values_.empty() ? 0 : values_[std::min(next_, values_.size() - 1)];
      ++next_;
      size_t k = std::min(n, sizeof v);
      std::memcpy(out, &v, k);
      out += k;
      n -= k;
    }
  }
  size_t draws() const { return next_; }

private:
  std::vector<uint64_t> values_;
  size_t next_ = 0;
};

// A fixed origin far from the clock's epoch, so "now - x" never underflows.
inline retry_time t0() { return retry_time{} + std::chrono::hours(1000); }
inline retry_time at(retry_delay d) { return t0() + d; }

} // namespace retry_test
