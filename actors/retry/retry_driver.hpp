// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The retry loop of one request, as steps the pool carries out with timers.
//
// One driver per invoke. The pool asks before_send() before each attempt and
// reports each outcome; the driver consults the policy, the flood-wait
// registry and the deadline, and answers with the next step:
//
//   retry_driver d{policy, floods, dc_id, constructor_id, deadline};
//   auto s = d.before_send(now);        // send | wait | fail
//   ... attempt fails with f ...
//   s = d.on_failure(f, now);           // wait(delay) | fail
//   // wait: delayed_send(self, s.delay, <retry message>), then before_send again
//
// Waiting requests keep their deadline: a wait that would end at or after
// it fails the request at once with the error it has (apply_deadline).
// A method under a remembered flood wait does not reach the server: the
// policy is asked as if the server had answered FLOOD_WAIT_<seconds left>.
// No clock reads, no CAF: `now` is an input.
#pragma once

#include "mtsender/actors/retry/flood_wait_registry.hpp"
#include "mtsender/actors/retry/retry_policy.hpp"

#include <array>
#include <memory>
#include <optional>

namespace mtsender::retry {

enum class step_kind : uint8_t { send, wait, fail };

const char* to_string(step_kind x) noexcept;

struct retry_step {
  step_kind kind = step_kind::send;
  retry_delay delay{0};   // with wait
  failure error;          // with fail: what the request fails with
  // With fail: `error` is the failure the pool reported (answer the caller
  // with that original caf::error); false when the driver made it up
  // (circuit_open, a remembered flood wait, a deadline).
  bool reported = false;
};

class retry_driver {
public:
  // policy must not be null (std::invalid_argument); floods may be null.
  retry_driver(std::shared_ptr<retry_policy> policy,
               std::shared_ptr<flood_wait_registry> floods, int32_t dc_id,
               uint32_t constructor_id, std::optional<retry_time> deadline,
               bool safe_to_repeat = false);

  // Before each attempt. Calling it while an attempt is in flight is a bug
  // of the caller (std::logic_error).
  retry_step before_send(retry_time now);
  // The attempt failed (or the request failed before one was sent).
  retry_step on_failure(const failure& f, retry_time now);
  // The attempt succeeded: the request is done.
  void on_success(retry_time now);

  int attempts() const { return tries_; }
  retry_delay slept() const { return slept_; }
  bool in_flight() const { return in_flight_; }
  int32_t dc_id() const { return dc_id_; }

private:
  retry_step decide(const failure& f, retry_time now, bool attempted, bool probe,
                    bool reported);
  static retry_step fail(failure f, bool reported);

  std::shared_ptr<retry_policy> policy_;
  std::shared_ptr<flood_wait_registry> floods_;
  int32_t dc_id_;
  uint32_t constructor_id_;
  std::optional<retry_time> deadline_;
  bool safe_to_repeat_;
  int tries_ = 0;
  retry_delay slept_{0};
  std::array<int, failure_class_count> per_class_{};   // failures so far, by failure_class
  bool in_flight_ = false;
  bool probe_ = false;
  std::optional<failure> last_;       // the error a waiting request has
  bool last_reported_ = false;
};

} // namespace mtsender::retry
