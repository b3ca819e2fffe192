// Time as an injected input of the session.
//
// transport/ never reads a clock: the connection actor passes an object that
// does (e.g. one wrapping std::chrono::system_clock), tests and the benchmark
// pass a `manual_clock` they move by hand. Time is Unix time in nanoseconds,
// the resolution msg_ids need (their low 32 bits are a fraction of a second).
#pragma once

#include <cstdint>

namespace mtsender::session {

class clock_source {
public:
  virtual ~clock_source() = default;
  // Nanoseconds since 1970-01-01 UTC, local clock (the session adds the
  // server time offset itself).
  virtual int64_t unix_time_ns() = 0;
};

inline constexpr int64_t ns_per_second = 1'000'000'000;

// The largest server-minus-local clock offset a session takes, either way:
// 2^31 s (68 years). Any real clock error fits, and local time plus the
// offset cannot overflow int64 nanoseconds. Every loader of saved state
// (session state, session files) refuses more; the msg_id generator clamps
// offsets learned from the server to it.
inline constexpr int64_t max_time_offset_ns = (int64_t(1) << 31) * ns_per_second;

constexpr bool time_offset_in_range(int64_t offset_ns) noexcept {
  return offset_ns >= -max_time_offset_ns && offset_ns <= max_time_offset_ns;
}

// A clock that only moves when told to.
class manual_clock final : public clock_source {
public:
  explicit manual_clock(int64_t unix_ns = 0) noexcept : now_(unix_ns) {}
  int64_t unix_time_ns() override { return now_; }
  void set(int64_t unix_ns) noexcept { now_ = unix_ns; }
  void set_seconds(int64_t unix_s) noexcept { now_ = unix_s * ns_per_second; }
  void advance(int64_t ns) noexcept { now_ += ns; }

private:
  int64_t now_;
};

} // namespace mtsender::session
