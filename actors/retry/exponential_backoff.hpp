// Exponential back-off with full jitter: attempt n (1-based) that failed is
// retried after a delay uniform in [0, min(cap, base * factor^(n-1))], up to
// max_attempts attempts in all. Which failures are retried is a predicate;
// by default the ones that are safe and may pass: I/O that never reached the
// server, transport errors, internal server errors; plus lost requests that
// may have run when the caller marked them safe_to_repeat.
//
//   auto p = std::make_shared<exponential_backoff>(
//     backoff_config{100ms, 2.0, 10s, 5}, rng);
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"
#include "mtsender/transport/random.hpp"

#include <functional>
#include <memory>

namespace mtsender::retry {

bool retry_by_default(const failure& f);

struct backoff_config {
  retry_delay base{100};
  double factor = 2.0;            // >= 1
  retry_delay cap{10000};
  int max_attempts = 5;           // total, including the first
  std::function<bool(const failure&)> retry_if = retry_by_default;
};

class exponential_backoff final : public retry_policy {
public:
  // rng must not be null, factor >= 1, base and cap >= 0 (else
  // std::invalid_argument).
  exponential_backoff(backoff_config cfg, std::shared_ptr<random_source> rng);

  retry_decision on_failure(const retry_context& ctx) override;

  // The upper bound of the jittered delay after failed attempt n.
  retry_delay ceiling(int attempt) const;

private:
  backoff_config cfg_;
  std::shared_ptr<random_source> rng_;
};

} // namespace mtsender::retry
