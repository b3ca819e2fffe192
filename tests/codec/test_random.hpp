// The codec tests' random sources: the shared seeded and constant ones, and
// a scripted source that serves given bytes first.
#pragma once

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/random.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace codec_test {

using mtsender::test_support::constant_random;
using mtsender::test_support::seeded_random;

// Hands out a script of bytes first, then falls back; counts what was drawn.
class scripted_random final : public mtsender::random_source {
public:
  explicit scripted_random(mtsender::random_source& fallback) : fallback_(fallback) {}
  void push(const std::vector<uint8_t>& bytes) { script_.insert(script_.end(), bytes.begin(), bytes.end()); }
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      if (!script_.empty()) {
        out[i] = script_.front();
        script_.pop_front();
      } else {
        fallback_.fill(out + i, 1);
      }
    }
    drawn += n;
  }
  size_t remaining() const { return script_.size(); }
  size_t drawn = 0;

private:
  std::deque<uint8_t> script_;
  mtsender::random_source& fallback_;
};

} // namespace codec_test
