// Hex text for bytes: error messages, logs and test vectors.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <stdexcept>

namespace mtsender {

inline std::string to_hex(byte_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

// Parses hex digits, skipping white space; throws std::invalid_argument on
// any other character or an odd number of digits.
inline byte_buffer from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  byte_buffer out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
      continue;
    int v = nibble(c);
    if (v < 0)
      throw std::invalid_argument(std::string("from_hex: not a hex digit: '") + c + "'");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(uint8_t(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0)
    throw std::invalid_argument("from_hex: odd number of hex digits");
  return out;
}

// The id of a TL constructor as people write it: "#f35c6d01".
inline std::string hex_id(uint32_t id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "#";
  for (int shift = 28; shift >= 0; shift -= 4)
    out.push_back(digits[(id >> shift) & 0xf]);
  return out;
}

} // namespace mtsender
