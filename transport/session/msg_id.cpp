#include "mtsender/transport/session/msg_id.hpp"

#include "mtsender/transport/session/clock.hpp"

#include <algorithm>

namespace mtsender::session {

uint64_t msg_id_from_time_ns(int64_t unix_ns) noexcept {
  if (unix_ns < 0)
    unix_ns = 0;
  const uint64_t secs = uint64_t(unix_ns / ns_per_second);
  const uint64_t frac = uint64_t(unix_ns % ns_per_second);  // < 2^30
  return secs << 32 | (frac << 32) / uint64_t(ns_per_second);
}

int64_t msg_id_time_ns(uint64_t msg_id) noexcept {
  const int64_t secs = int64_t(msg_id >> 32);
  const uint64_t frac = msg_id & 0xffffffffu;
  return secs * ns_per_second + int64_t((frac * uint64_t(ns_per_second)) >> 32);
}

uint64_t msg_id_generator::next(int64_t local_unix_ns) noexcept {
  const uint64_t low = uint64_t(kind_);
  uint64_t id = (msg_id_from_time_ns(local_unix_ns + offset_ns_) & ~uint64_t(3)) | low;
  if (id <= last_)
    id = ((last_ & ~uint64_t(3)) + 4) | low;
  // A client id whose low 32 bits are all zero looks like a bare timestamp;
  // the docs require them non-zero.
  if ((id & 0xffffffffu) == 0)
    id += 4;
  last_ = id;
  return id;
}

void msg_id_generator::set_time_offset_ns(int64_t offset) noexcept {
  offset_ns_ = std::clamp(offset, -max_time_offset_ns, max_time_offset_ns);
}

void msg_id_generator::sync_to(uint64_t server_msg_id, int64_t local_unix_ns) noexcept {
  set_time_offset_ns(msg_id_time_ns(server_msg_id) - local_unix_ns);
}

} // namespace mtsender::session
