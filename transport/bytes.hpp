// Byte containers shared by every layer of transport/.
//
// `byte_buffer` owns bytes; `byte_view` is a non-owning view (C++17 has no
// std::span). Functions that only read take a byte_view, so callers can pass a
// vector, an array or a pointer and a length without copying.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mtsender {

using byte_buffer = std::vector<uint8_t>;
using int128 = std::array<uint8_t, 16>;
using int256 = std::array<uint8_t, 32>;

class byte_view {
public:
  constexpr byte_view() noexcept = default;
  constexpr byte_view(const uint8_t* data, size_t size) noexcept
    : data_(data), size_(size) {}
  byte_view(const byte_buffer& buf) noexcept : data_(buf.data()), size_(buf.size()) {}
  template <size_t N>
  constexpr byte_view(const std::array<uint8_t, N>& a) noexcept
    : data_(a.data()), size_(N) {}
  byte_view(std::string_view s) noexcept
    : data_(reinterpret_cast<const uint8_t*>(s.data())), size_(s.size()) {}

  constexpr const uint8_t* data() const noexcept { return data_; }
  constexpr size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const uint8_t* begin() const noexcept { return data_; }
  constexpr const uint8_t* end() const noexcept { return data_ + size_; }
  constexpr uint8_t operator[](size_t i) const noexcept { return data_[i]; }

  // Bytes [offset, offset + count); the caller guarantees the range is valid.
  constexpr byte_view sub(size_t offset, size_t count) const noexcept {
    return {data_ + offset, count};
  }
  constexpr byte_view sub(size_t offset) const noexcept {
    return {data_ + offset, size_ - offset};
  }
  byte_buffer to_buffer() const { return byte_buffer(begin(), end()); }

private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

inline bool operator==(byte_view a, byte_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      return false;
  return true;
}
inline bool operator!=(byte_view a, byte_view b) noexcept { return !(a == b); }

// Little-endian loads and stores: MTProto puts every integer on the wire
// little-endian (x86 is too, but we do not rely on it).
inline uint32_t load_le32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t load_le64(const uint8_t* p) noexcept {
  return uint64_t(load_le32(p)) | uint64_t(load_le32(p + 4)) << 32;
}
inline void store_le32(uint8_t* p, uint32_t v) noexcept {
  p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); p[3] = uint8_t(v >> 24);
}
inline void store_le64(uint8_t* p, uint64_t v) noexcept {
  store_le32(p, uint32_t(v));
  store_le32(p + 4, uint32_t(v >> 32));
}

} // namespace mtsender
