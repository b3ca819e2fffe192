// Reads TL-serialized values from a byte view, bounds-checked.
//
//   tl::reader r{frame};
//   auto id = r.read_uint32("constructor");
//   auto ping_id = r.read_int64("ping_id");
//   r.expect_end("pong");
//
// Every read checks that enough bytes are left and throws tl::decode_error
// naming the field (the optional `what`) and the offset otherwise; nothing is
// ever read past the end. Byte and string values come back as views into the
// input, so the input must outlive them (call to_buffer() to keep one).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstring>
#include <string>

namespace mtsender::tl {

class reader {
public:
  explicit reader(byte_view in) noexcept : in_(in) {}

  size_t position() const noexcept { return pos_; }
  size_t remaining() const noexcept { return in_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == in_.size(); }
  byte_view input() const noexcept { return in_; }
  // The unread rest of the input, without consuming it.
  byte_view rest() const noexcept { return in_.sub(pos_); }

  uint32_t peek_uint32(const char* what = "constructor id") const {
    need(4, what);
    return load_le32(in_.data() + pos_);
  }

  int32_t read_int32(const char* what = "int") { return int32_t(read_uint32(what)); }
  uint32_t read_uint32(const char* what = "int") {
    need(4, what);
    auto v = load_le32(in_.data() + pos_);
    pos_ += 4;
    return v;
  }
  int64_t read_int64(const char* what = "long") { return int64_t(read_uint64(what)); }
  uint64_t read_uint64(const char* what = "long") {
    need(8, what);
    auto v = load_le64(in_.data() + pos_);
    pos_ += 8;
    return v;
  }
  double read_double(const char* what = "double") {
    auto bits = read_uint64(what);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  bool read_bool(const char* what = "Bool") {
    auto at = pos_;
    auto id = read_uint32(what);
    if (id == bool_true_id)
      return true;
    if (id == bool_false_id)
      return false;
    throw_not_bool(at, what, id);
  }
  int128 read_int128(const char* what = "int128") { return read_array<16>(what); }
  int256 read_int256(const char* what = "int256") { return read_array<32>(what); }

  // `n` raw bytes, as a view into the input.
  byte_view read_raw(size_t n, const char* what = "raw bytes") {
    need(n, what);
    auto v = in_.sub(pos_, n);
    pos_ += n;
    return v;
  }

  // TL bytes/string, as a view into the input; padding is skipped.
  byte_view read_bytes(const char* what = "bytes");
  std::string read_string(const char* what = "string") {
    auto v = read_bytes(what);
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  }

  // A constructor id that must equal `expected`.
  void expect_id(uint32_t expected, const char* what) {
    auto at = pos_;
    auto id = read_uint32(what);
    if (id != expected)
      throw_wrong_id(at, what, expected, id);
  }

  // Header of a boxed vector (id then count) or a bare one (count only). The
  // count is checked against the bytes left, assuming each item takes at
  // least `min_item_size` bytes, so a hostile count cannot make the caller
  // reserve gigabytes.
  uint32_t read_vector_header(size_t min_item_size, const char* what = "vector") {
    expect_id(vector_id, what);
    return read_bare_vector_header(min_item_size, what);
  }
  uint32_t read_bare_vector_header(size_t min_item_size, const char* what = "vector") {
    auto at = pos_;
    auto count = read_uint32(what);
    if (min_item_size > 0 && count > remaining() / min_item_size)
      throw_bad_count(at, what, count, remaining());
    return count;
  }

  template <class T, class F>
  std::vector<T> read_vector(size_t min_item_size, F&& read_item,
                             const char* what = "vector") {
    auto n = read_vector_header(min_item_size, what);
    std::vector<T> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
      out.push_back(read_item(*this));
    return out;
  }

  void skip(size_t n, const char* what = "skipped bytes") { read_raw(n, what); }

  // Throws trailing_bytes unless the whole input was consumed.
  void expect_end(const char* what = "object") const {
    if (!at_end())
      throw decode_error(decode_errc::trailing_bytes, pos_,
                         std::to_string(remaining()) + " unexpected bytes after "
                           + what);
  }

  [[noreturn]] void fail(decode_errc code, const std::string& what) const {
    throw decode_error(code, pos_, what);
  }

private:
  void need(size_t n, const char* what) const {
    if (remaining() < n)
      throw_truncated(pos_, what, n, remaining());
  }
  // Out of line and cold: the generated API inlines thousands of reads, and
  // building the message inline made every one of them large.
  [[noreturn]] static void throw_truncated(size_t at, const char* what, size_t need, size_t have);
  [[noreturn]] static void throw_not_bool(size_t at, const char* what, uint32_t id);
  [[noreturn]] static void throw_wrong_id(size_t at, const char* what, uint32_t expected,
                                          uint32_t id);
  [[noreturn]] static void throw_bad_count(size_t at, const char* what, uint32_t count,
                                           size_t left);

  template <size_t N>
  std::array<uint8_t, N> read_array(const char* what) {
    need(N, what);
    std::array<uint8_t, N> out;
    std::memcpy(out.data(), in_.data() + pos_, N);
    pos_ += N;
    return out;
  }

  byte_view in_;
  size_t pos_ = 0;
};

inline byte_view reader::read_bytes(const char* what) {
  const auto start = pos_;
  need(1, what);
  size_t n = in_[pos_];
  size_t head = 1;
  if (n == 254) {
    need(4, what);
    n = size_t(in_[pos_ + 1]) | size_t(in_[pos_ + 2]) << 8 | size_t(in_[pos_ + 3]) << 16;
    head = 4;
    if (n < 254)
      throw decode_error(decode_errc::bad_length, start,
                         std::string("long-form length ") + std::to_string(n)
                           + " below 254 in " + what);
  } else if (n == 255) {
    throw decode_error(decode_errc::bad_length, start,
                       std::string("length byte 0xff in ") + what);
  }
  const size_t total = (head + n + 3) & ~size_t(3);
  if (remaining() < total)
    throw decode_error(decode_errc::truncated, start,
                       std::string("truncated input reading ") + what + " of "
                         + std::to_string(n) + " bytes (need "
                         + std::to_string(total) + ", have "
                         + std::to_string(remaining()) + ")");
  auto v = in_.sub(pos_ + head, n);
  pos_ += total;
  return v;
}

} // namespace mtsender::tl
