// Randomness as an injected input.
//
// Everything in transport/ that needs random bytes (nonces, padding, msg ids,
// obfuscation headers) takes a `random_source&`, so tests can replay
// published vectors with fixed bytes and production code passes
// `crypto::secure_random` (a buffered CSPRNG).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mtsender {

class random_source {
public:
  virtual ~random_source() = default;
  virtual void fill(uint8_t* out, size_t n) = 0;

  template <class T>
  T next() {
    T value{};
    fill(reinterpret_cast<uint8_t*>(&value), sizeof(T));
    return value;
  }
};

} // namespace mtsender
