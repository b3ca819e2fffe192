// Helpers shared by the crypto tests: fixed-pattern inputs as the public
// vectors use them, and array conversions.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/hex.hpp"

#include <array>
#include <stdexcept>

namespace mtsender::test {

// 0, 1, 2, ... (mod 256): grammers' get_test_auth_key / get_test_msg_key.
template <size_t N>
std::array<uint8_t, N> counting() {
  std::array<uint8_t, N> a{};
  for (size_t i = 0; i < N; ++i)
    a[i] = uint8_t(i);
  return a;
}

template <size_t N>
std::array<uint8_t, N> array_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (bytes.size() != N)
    throw std::invalid_argument("array_from_hex: wrong length");
  std::array<uint8_t, N> a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return a;
}

// A simple deterministic byte generator (xorshift64*) for property tests;
// not a CSPRNG, just reproducible.
class test_bytes {
public:
  explicit test_bytes(uint64_t seed) : s_(seed ? seed : 1) {}
  uint8_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return uint8_t((s_ * 0x2545F4914F6CDD1DULL) >> 56);
  }
  byte_buffer bytes(size_t n) {
    byte_buffer b(n);
    for (auto& x : b)
      x = next();
    return b;
  }
  template <size_t N>
  std::array<uint8_t, N> array() {
    std::array<uint8_t, N> a{};
    for (auto& x : a)
      x = next();
    return a;
  }

private:
  uint64_t s_;
};

} // namespace mtsender::test
