// Composition: a circuit breaker around any retry policy.
//
// The breaker gates (admit) and watches (every outcome is recorded); the
// inner policy alone decides when to retry. One `circuit_breaker` is shared
// by a pool, so a per-invoke override keeps the pool's breaker:
//
//   auto breaker = std::make_shared<circuit_breaker>(breaker_config{}, on_change);
//   auto dflt = with_breaker(breaker, std::make_shared<auto_sleep>(cfg, rng));
//   auto strict = with_breaker(breaker, std::make_shared<no_retries>());
//
// Order matters and is fixed: the breaker is asked first (a refused request
// never reaches the inner policy's admit), outcomes reach the breaker before
// the inner policy. When the failure just opened the circuit and the inner
// policy's retry would fall inside the cooldown, the request fails now with
// its own error rather than wait only to be refused with circuit_open. Use
// one breaker per chain: a request carries a single probe flag.
#pragma once

#include "mtsender/actors/retry/circuit_breaker.hpp"
#include "mtsender/actors/retry/retry_policy.hpp"

#include <memory>

namespace mtsender::retry {

class breaker_policy final : public retry_policy {
public:
  // Neither may be null (std::invalid_argument).
  breaker_policy(std::shared_ptr<circuit_breaker> breaker,
                 std::shared_ptr<retry_policy> inner);

  admission admit(const request_info& info) override;
  retry_decision on_failure(const retry_context& ctx) override;
  void on_success(const request_info& info) override;

  circuit_breaker& breaker() { return *breaker_; }

private:
  std::shared_ptr<circuit_breaker> breaker_;
  std::shared_ptr<retry_policy> inner_;
};

std::shared_ptr<retry_policy> with_breaker(std::shared_ptr<circuit_breaker> breaker,
                                           std::shared_ptr<retry_policy> inner);

} // namespace mtsender::retry
