// MTProto message identifiers.
//
// A msg_id is time: the upper 32 bits are Unix seconds, the lower 32 bits the
// fraction of the second (times 2^32), both of the *server's* clock. The
// low two bits say who made it: 0 for client messages, 1 for server answers,
// 3 for other server messages. Ids of one session strictly increase.
//
//   msg_id_generator ids{msg_id_kind::client};
//   ids.set_time_offset_ns(server_minus_local);
//   uint64_t id = ids.next(clock.unix_time_ns());
#pragma once

#include <cstddef>
#include <cstdint>

namespace mtsender::session {

enum class msg_id_kind : uint8_t {
  client = 0,           // divisible by 4
  server_response = 1,  // answers to client messages
  server_notice = 3,    // server messages that answer nothing
};

// The msg_id of an instant (before the low two bits are set).
uint64_t msg_id_from_time_ns(int64_t unix_ns) noexcept;
// The instant a msg_id stands for, to nanoseconds.
int64_t msg_id_time_ns(uint64_t msg_id) noexcept;
// Just the seconds (the upper 32 bits).
inline int64_t msg_id_seconds(uint64_t msg_id) noexcept { return int64_t(msg_id >> 32); }

class msg_id_generator {
public:
  explicit msg_id_generator(msg_id_kind kind = msg_id_kind::client) noexcept
    : kind_(kind) {}

  // A new id for local time `local_unix_ns`: server time (local + offset),
  // the kind's low bits, strictly above every id handed out before, low 32
  // bits never zero.
  uint64_t next(int64_t local_unix_ns) noexcept;

  // server time - local time. Both setters clamp it to +-max_time_offset_ns
  // (clock.hpp): a server msg_id can name any second up to 2^32, and an
  // offset taken from it unclamped would overflow id arithmetic and make
  // state that no loader accepts.
  int64_t time_offset_ns() const noexcept { return offset_ns_; }
  void set_time_offset_ns(int64_t offset) noexcept;
  // Sets the offset so that local time `local_unix_ns` maps to the time in
  // `server_msg_id` (used on bad_msg_notification 16/17).
  void sync_to(uint64_t server_msg_id, int64_t local_unix_ns) noexcept;

  uint64_t last() const noexcept { return last_; }
  // After a restore: later ids stay above `id`.
  void set_last(uint64_t id) noexcept { last_ = id; }

  int64_t server_time_ns(int64_t local_unix_ns) const noexcept {
    return local_unix_ns + offset_ns_;
  }

private:
  msg_id_kind kind_;
  int64_t offset_ns_ = 0;
  uint64_t last_ = 0;
};

} // namespace mtsender::session
