// Appends TL-serialized values to a byte buffer.
//
//   byte_buffer out;
//   tl::writer w{out};
//   w.write_uint32(ping::id);
//   w.write_int64(ping_id);
//
// Every integer is little-endian; bytes/strings use TL's length prefix (one
// byte below 254, else 0xfe and three bytes) and are zero-padded to a multiple
// of four. The writer never shrinks the buffer, so several writers may append
// to one buffer in turn.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace mtsender::tl {

inline constexpr uint32_t bool_true_id = 0x997275b5;
inline constexpr uint32_t bool_false_id = 0xbc799737;
inline constexpr uint32_t vector_id = 0x1cb5c415;

// Bytes a TL bytes/string value of `n` bytes takes on the wire.
constexpr size_t bytes_wire_size(size_t n) noexcept {
  size_t head = n < 254 ? 1 : 4;
  return (head + n + 3) & ~size_t(3);
}

class writer {
public:
  explicit writer(byte_buffer& out) noexcept : out_(out) {}

  byte_buffer& buffer() noexcept { return out_; }
  size_t size() const noexcept { return out_.size(); }

  void write_int32(int32_t v) { write_uint32(uint32_t(v)); }
  void write_uint32(uint32_t v) {
    auto at = grow(4);
    store_le32(out_.data() + at, v);
  }
  void write_int64(int64_t v) { write_uint64(uint64_t(v)); }
  void write_uint64(uint64_t v) {
    auto at = grow(8);
    store_le64(out_.data() + at, v);
  }
  void write_double(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    write_uint64(bits);
  }
  void write_bool(bool v) { write_uint32(v ? bool_true_id : bool_false_id); }
  void write_int128(const int128& v) { write_raw(v); }
  void write_int256(const int256& v) { write_raw(v); }

  // Raw bytes, no length prefix, no padding.
  void write_raw(byte_view v) {
    if (v.empty())
      return;
    auto at = grow(v.size());
    std::memcpy(out_.data() + at, v.data(), v.size());
  }

  // TL `bytes` / `string`. Values of 2^24 bytes or more cannot be encoded.
  void write_bytes(byte_view v);
  void write_string(std::string_view s) { write_bytes(byte_view{s}); }

  // Boxed vector header (constructor id then count); bare vectors write the
  // count alone. The caller then writes the items.
  void write_vector_header(uint32_t count) {
    write_uint32(vector_id);
    write_uint32(count);
  }
  void write_bare_vector_header(uint32_t count) { write_uint32(count); }

  template <class T, class F>
  void write_vector(const std::vector<T>& items, F&& write_item) {
    write_vector_header(uint32_t(items.size()));
    for (auto& x : items)
      write_item(*this, x);
  }

  // Reserves `n` bytes to fill in later (e.g. a length known only at the end).
  size_t reserve_slot(size_t n) { return grow(n); }

private:
  size_t grow(size_t n) {
    auto at = out_.size();
    out_.resize(at + n);
    return at;
  }

  byte_buffer& out_;
};

inline void writer::write_bytes(byte_view v) {
  const size_t n = v.size();
  const size_t total = bytes_wire_size(n);
  auto at = grow(total);
  uint8_t* p = out_.data() + at;
  size_t head;
  if (n < 254) {
    p[0] = uint8_t(n);
    head = 1;
  } else {
    if (n >= (size_t(1) << 24))
      throw std::length_error("tl: bytes value of " + std::to_string(n)
                              + " bytes is too long to encode (max 16 MiB - 1)");
    p[0] = 0xfe;
    p[1] = uint8_t(n);
    p[2] = uint8_t(n >> 8);
    p[3] = uint8_t(n >> 16);
    head = 4;
  }
  if (n)
    std::memcpy(p + head, v.data(), n);
  std::memset(p + head + n, 0, total - head - n);
}

} // namespace mtsender::tl
