// Helpers shared by the crypto tests: fixed-pattern inputs as the public
// vectors use them, and array conversions.
#pragma once

#include "mtsender/tests/support/test_random.hpp"
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

// Reproducible bytes for property tests.
using test_bytes = test_support::seeded_random;

} // namespace mtsender::test
