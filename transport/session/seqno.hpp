// Message sequence numbers.
//
// seqno = 2 * (content-related messages sent before this one), plus 1 when
// this message is content-related itself (it then counts). msgs_ack and
// containers are not content-related; RPC calls, pings and answers are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mtsender::session {

class seqno_counter {
public:
  explicit seqno_counter(uint32_t content_sent = 0) noexcept : n_(content_sent) {}

  uint32_t next(bool content_related) noexcept {
    if (content_related)
      return 2 * n_++ + 1;
    return 2 * n_;
  }

  // How many content-related messages were numbered so far.
  uint32_t content_sent() const noexcept { return n_; }
  void set_content_sent(uint32_t n) noexcept { n_ = n; }

  // bad_msg_notification 32 (seqno too low) / 33 (too high): move the count
  // by `delta` messages, never below zero.
  void shift(int32_t delta) noexcept {
    if (delta < 0 && uint32_t(-int64_t(delta)) > n_)
      n_ = 0;
    else
      n_ = uint32_t(int64_t(n_) + delta);
  }

private:
  uint32_t n_;
};

} // namespace mtsender::session
