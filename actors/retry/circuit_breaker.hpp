// A circuit breaker per DC: stop sending to a DC that keeps failing, then
// probe it with one request at a time until it answers again.
//
//   closed ──threshold consecutive transient failures──▶ open
//   open ──cooldown over──▶ half_open (the next request goes out as the probe;
//                          all others are refused while it is in flight)
//   half_open ──probe succeeds or the server answers it──▶ closed
//   half_open ──probe fails transiently──▶ open (cooldown starts again)
//
// Transient failures (failure::transient): I/O, transport errors, internal
// server errors that are not 4xx, deadlines. A 4xx answer is a verdict on
// the request, never on the DC, and an answer of any kind resets the count.
// This is the state machine alone; `breaker_policy` puts it around a retry
// policy, and one breaker is shared by all requests of a pool. Every state
// change is reported to the listener (the pool turns it into stats and
// frame_events); the listener must not call back into the breaker.
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

namespace mtsender::retry {

enum class breaker_state : uint8_t { closed, open, half_open };

const char* to_string(breaker_state x) noexcept;

struct breaker_config {
  int threshold = 5;                 // consecutive transient failures that open it (>= 1)
  retry_delay cooldown{30000};       // how long it stays open before a probe (>= 0)
};

struct breaker_transition {
  int32_t dc_id = 0;
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  retry_time at{};
};

class circuit_breaker {
public:
  using listener = std::function<void(const breaker_transition&)>;

  // Throws std::invalid_argument for threshold < 1 or a negative cooldown.
  explicit circuit_breaker(breaker_config cfg = {}, listener on_change = {});

  // May a request to dc_id go out now? In half_open the first caller gets
  // the probe (admission::probe) and the others are refused until its
  // outcome is recorded (or cancel_probe is called).
  admission admit(int32_t dc_id, retry_time now);

  // The outcome of an attempt admit() let through. `probe` is what admit said.
  void record_success(int32_t dc_id, bool probe, retry_time now);
  void record_failure(int32_t dc_id, const failure& f, bool probe, retry_time now);

  // A probe that admit() granted will not be sent after all.
  void cancel_probe(int32_t dc_id);

  // The state now (an open circuit whose cooldown is over turns half_open).
  breaker_state state(int32_t dc_id, retry_time now);
  // When an open circuit lets its probe through; nullopt unless open.
  std::optional<retry_time> reopens_at(int32_t dc_id) const;
  int consecutive_failures(int32_t dc_id) const;
  uint64_t times_opened(int32_t dc_id) const;

  const breaker_config& config() const { return cfg_; }

private:
  struct dc_state {
    breaker_state state = breaker_state::closed;
    int consecutive = 0;
    retry_time opened_at{};
    bool probe_in_flight = false;
    uint64_t times_opened = 0;
  };

  dc_state& refresh(int32_t dc_id, retry_time now);
  void move(int32_t dc_id, dc_state& s, breaker_state to, retry_time now);

  breaker_config cfg_;
  listener on_change_;
  std::map<int32_t, dc_state> dcs_;
};

} // namespace mtsender::retry
