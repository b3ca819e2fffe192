#include "mtsender/actors/retry/retry_policy.hpp"

namespace mtsender::retry {

retry_decision apply_deadline(retry_decision d, retry_time now,
                              std::optional<retry_time> deadline) {
  if (!d.retry || !deadline)
    return d;
  if (now >= *deadline || d.delay >= *deadline - now)
    return retry_decision::give_up();
  return d;
}

} // namespace mtsender::retry
