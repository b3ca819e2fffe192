// Reads a fuzz input front to back as the values a harness needs.
//
// Every harness in tests/fuzz turns its input into a script (which field to
// corrupt, where to split a stream, which message to send) with this reader.
// Reads past the end yield zeros and empty views instead of failing, so any
// byte string is a valid script and the fuzzer never wastes runs on inputs
// the harness refuses. seed_corpora.cpp writes seeds in the same layout.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace mtsender::fuzz {

class fuzz_input {
public:
  fuzz_input(const uint8_t* data, size_t size) noexcept : in_(data, size) {}
  explicit fuzz_input(byte_view in) noexcept : in_(in) {}

  bool empty() const noexcept { return pos_ >= in_.size(); }
  size_t remaining() const noexcept { return in_.size() - pos_; }

  uint8_t u8() noexcept { return empty() ? 0 : in_[pos_++]; }
  uint16_t u16() noexcept { return uint16_t(u8() | u8() << 8); }
  uint32_t u32() noexcept { return uint32_t(u16()) | uint32_t(u16()) << 16; }
  uint64_t u64() noexcept { return uint64_t(u32()) | uint64_t(u32()) << 32; }
  bool flag() noexcept { return (u8() & 1) != 0; }

  // Up to `n` bytes (fewer at the end of the input), as a view into it.
  byte_view bytes(size_t n) noexcept {
    n = std::min(n, remaining());
    byte_view v = in_.sub(pos_, n);
    pos_ += n;
    return v;
  }
  // A length byte, then that many bytes: the usual way a script embeds data.
  byte_view sized_bytes() noexcept { return bytes(u8()); }
  byte_view sized_bytes16() noexcept { return bytes(u16()); }
  byte_view rest() noexcept { return bytes(remaining()); }

private:
  byte_view in_;
  size_t pos_ = 0;
};

} // namespace mtsender::fuzz
