// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The pool's default retry policy: a circuit breaker (shared by the pool)
// around auto_sleep.
//
//   auto breaker = std::make_shared<circuit_breaker>(breaker_config{}, on_change);
//   auto policy = make_default_policy(breaker, rng);
#pragma once

#include "mtsender/actors/retry/auto_sleep.hpp"
#include "mtsender/actors/retry/breaker_policy.hpp"

#include <memory>

namespace mtsender::retry {

inline std::shared_ptr<retry_policy>
make_default_policy(std::shared_ptr<circuit_breaker> breaker,
                    std::shared_ptr<random_source> rng,
                    auto_sleep_config cfg = {}) {
  return with_breaker(std::move(breaker),
                      std::make_shared<auto_sleep>(cfg, std::move(rng)));
}

} // namespace mtsender::retry
