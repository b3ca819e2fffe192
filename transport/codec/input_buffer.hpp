// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The receive side of a codec: bytes from the socket accumulate here until a
// whole frame is present, then the frame is handed out as a view.
//
// Views returned by take() stay valid until the next append(): consumed bytes
// are only discarded there, so next() can return several frames in a row
// without moving memory.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstring>

namespace mtsender::codec {

class input_buffer {
public:
  void append(byte_view bytes) {
    if (pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    } else if (pos_ > 0) {
      buf_.erase(buf_.begin(), buf_.begin() + std::ptrdiff_t(pos_));
      pos_ = 0;
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  }

  size_t available() const noexcept { return buf_.size() - pos_; }
  // The unconsumed bytes; the caller checks available() first.
  const uint8_t* data() const noexcept { return buf_.data() + pos_; }

  byte_view take(size_t n) noexcept {
    byte_view v{buf_.data() + pos_, n};
    pos_ += n;
    return v;
  }
  void skip(size_t n) noexcept { pos_ += n; }

private:
  byte_buffer buf_;
  size_t pos_ = 0;
};

} // namespace mtsender::codec
