// Deterministic random sources shared by the transport tests and benches.
//
// Code under test takes a `random_source&` (transport/random.hpp); tests hand
// it one of these so every run draws the same bytes. Include as
// "mtsender/tests/support/test_random.hpp". Not a CSPRNG: reproducible only.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/random.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace mtsender::test_support {

// xorshift64* (Vigna); each byte is the top byte of one output, so a given
// seed always yields the same stream whatever the fill() sizes are.
class seeded_random final : public random_source {
public:
  explicit seeded_random(uint64_t seed = 0x9e3779b97f4a7c15ull) : s_(seed ? seed : 1) {}

  uint64_t next64() noexcept {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dull;
  }
  uint8_t next_byte() noexcept { return uint8_t(next64() >> 56); }

  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i)
      out[i] = next_byte();
  }
  byte_buffer bytes(size_t n) {
    byte_buffer b(n);
    fill(b.data(), n);
    return b;
  }
  template <size_t N>
  std::array<uint8_t, N> array() {
    std::array<uint8_t, N> a{};
    fill(a.data(), N);
    return a;
  }

private:
  uint64_t s_;
};

// Always the same byte: a broken source, or all-zero padding for vectors.
class constant_random final : public random_source {
public:
  explicit constant_random(uint8_t value = 0) : value_(value) {}
  void fill(uint8_t* out, size_t n) override { std::memset(out, value_, n); }

private:
  uint8_t value_;
};

} // namespace mtsender::test_support
