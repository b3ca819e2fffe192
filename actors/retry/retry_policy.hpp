// The interface every retry policy implements, and what it is told.
//
// A policy is asked after each failed attempt of an RPC whether to try again
// and after how long; the pool then arms a timer (it never sleeps) and asks
// `admit` again before the next attempt. Successes are reported so stateful
// policies (circuit breakers, adaptive back-off) can reset. Users derive from
// `retry_policy` to add their own behaviour and hand the pool a shared_ptr;
// the pool has a default and each invoke may override it.
//
//   class my_policy : public retry_policy {
//     retry_decision on_failure(const retry_context& ctx) override {
//       if (ctx.error.kind == failure_class::io_unsent && ctx.attempt < 3)
//         return retry_decision::after(std::chrono::milliseconds(200));
//       return retry_decision::give_up();
//     }
//   };
//
// Time is an input (`now` in every call), never read here, so policies are
// deterministic under test. A policy object is used by one actor at a time
// (the pool): it is not thread-safe.
#pragma once

#include "mtsender/actors/retry/failure.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace mtsender::retry {

using retry_clock = std::chrono::steady_clock;
using retry_time = retry_clock::time_point;
using retry_delay = std::chrono::milliseconds;

// The request an attempt is (or was) for.
struct request_info {
  int32_t dc_id = 0;
  uint32_t constructor_id = 0;   // the TL function's constructor id; 0 = unknown
  retry_time now{};
  // The attempt was let through by a half-open circuit breaker as its one
  // probe; its outcome decides the breaker's state.
  bool probe = false;
};

struct retry_context {
  int attempt = 1;               // the attempt that just failed; the first is 1
  retry_delay slept{0};          // total delay this request has waited so far
  int same_class_before = 0;     // earlier failures of this request of error.kind
  failure error;
  int32_t dc_id = 0;
  uint32_t constructor_id = 0;
  retry_time now{};
  std::optional<retry_time> deadline;
  // True when the failure ends an attempt admit() let through; false when it
  // was made up before sending (a remembered flood wait for the method).
  bool attempted = true;
  bool probe = false;            // see request_info::probe
  // The caller marked the request harmless to run twice (rpc_options::
  // safe_to_repeat): it may be resent even when it may have executed.
  bool safe_to_repeat = false;
};

struct retry_decision {
  bool retry = false;
  retry_delay delay{0};

  static retry_decision give_up() { return {}; }
  static retry_decision after(retry_delay d) { return {true, d}; }
};

// The answer to "may this attempt go out now?".
struct admission {
  bool allowed = true;
  bool probe = false;            // allowed as a half-open breaker's probe
  failure refusal;               // when !allowed: what the request fails with

  static admission allow() { return {}; }
  static admission allow_probe() { return {true, true, {}}; }
  static admission refuse(failure f) { return {false, false, std::move(f)}; }
};

class retry_policy {
public:
  virtual ~retry_policy() = default;

  // Before every attempt (the first and each retry). Refusing fails the
  // request at once with the refusal.
  virtual admission admit(const request_info&) { return admission::allow(); }

  // After a failed attempt: retry after a delay, or give the error back.
  virtual retry_decision on_failure(const retry_context& ctx) = 0;

  // After an attempt succeeded.
  virtual void on_success(const request_info&) {}
};

// The deadline cut-off: a retry whose delay would end at or after the
// request's deadline is pointless, so the request fails now, with the error
// it has, instead of sleeping past its deadline.
retry_decision apply_deadline(retry_decision d, retry_time now,
                              std::optional<retry_time> deadline);

} // namespace mtsender::retry
