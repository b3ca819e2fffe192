#include "mtsender/actors/retry/retry_call.hpp"

namespace mtsender::retry {

retry_call::retry_call(std::shared_ptr<retry_policy> policy,
                       std::shared_ptr<flood_wait_registry> floods, int32_t dc_id,
                       uint32_t constructor_id, std::optional<retry_time> deadline,
                       bool safe_to_repeat)
  : driver_(std::move(policy), std::move(floods), dc_id, constructor_id, deadline,
            safe_to_repeat) {
}

retry_step retry_call::on_error(const caf::error& err, retry_time now) {
  last_ = err;
  return driver_.on_failure(classify(err), now);
}

caf::error retry_call::error_of(const retry_step& s) const {
  if (s.reported && last_)
    return last_;
  return to_error(s.error);
}

} // namespace mtsender::retry
