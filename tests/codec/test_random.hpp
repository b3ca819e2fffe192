// Deterministic random sources for the codec tests.
#pragma once

#include "mtsender/transport/random.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace codec_test {

// splitmix64: reproducible bytes, different for each seed.
class seeded_random final : public mtsender::random_source {
public:
  explicit seeded_random(uint64_t seed) : state_(seed) {}
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      if (left_ == 0) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        word_ = z ^ (z >> 31);
        left_ = 8;
      }
      out[i] = uint8_t(word_);
      word_ >>= 8;
      --left_;
    }
  }

private:
  uint64_t state_;
  uint64_t word_ = 0;
  int left_ = 0;
};

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

// Always the same byte: a broken source.
class constant_random final : public mtsender::random_source {
public:
  explicit constant_random(uint8_t v) : v_(v) {}
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i)
      out[i] = v_;
  }

private:
  uint8_t v_;
};

} // namespace codec_test
