// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The CAF side of one request's retry loop: a retry_driver that takes the
// caf::errors attempts end with and gives back the caf::error to answer the
// caller with. This is what the pool keeps per pending invoke.
//
//   retry_call rc{policy, floods, dc_id, ctor_id, deadline};
//   auto s = rc.before_send(retry_clock::now());
//   switch (s.kind) {
//     case step_kind::send: /* hand the body to a connection */ break;
//     case step_kind::wait: self->delayed_send(self, s.delay, <retry msg>, id); break;
//     case step_kind::fail: promise.deliver(rc.error_of(s)); break;
//   }
//   // attempt failed with err:   s = rc.on_error(err, retry_clock::now()); same switch
//   // attempt succeeded:         rc.on_success(retry_clock::now()); deliver the reply
#pragma once

#include "mtsender/actors/retry/retry_driver.hpp"

#include <caf/error.hpp>

namespace mtsender::retry {

class retry_call {
public:
  retry_call(std::shared_ptr<retry_policy> policy,
             std::shared_ptr<flood_wait_registry> floods, int32_t dc_id,
             uint32_t constructor_id, std::optional<retry_time> deadline,
             bool safe_to_repeat = false);

  retry_step before_send(retry_time now) { return driver_.before_send(now); }
  retry_step on_error(const caf::error& err, retry_time now);
  void on_success(retry_time now) { driver_.on_success(now); }

  // For a fail step: the caf::error the attempt failed with when the step
  // reports it, else one made from the step's failure.
  caf::error error_of(const retry_step& s) const;

  const retry_driver& driver() const { return driver_; }

private:
  retry_driver driver_;
  caf::error last_;
};

} // namespace mtsender::retry
