#include "mtsender/actors/retry/exponential_backoff.hpp"

#include "mtsender/actors/retry/jitter.hpp"

#include <algorithm>
#include <stdexcept>

namespace mtsender::retry {

bool retry_by_default(const failure& f) {
  return f.kind == failure_class::io_unsent || f.kind == failure_class::transport
         || f.kind == failure_class::internal;
}

exponential_backoff::exponential_backoff(backoff_config cfg,
                                         std::shared_ptr<random_source> rng)
  : cfg_(std::move(cfg)), rng_(std::move(rng)) {
  if (!rng_)
    throw std::invalid_argument("exponential_backoff: random source is null");
  if (!(cfg_.factor >= 1.0))
    throw std::invalid_argument("exponential_backoff: factor must be >= 1");
  if (cfg_.base.count() < 0 || cfg_.cap.count() < 0)
    throw std::invalid_argument("exponential_backoff: negative base or cap");
  if (!cfg_.retry_if)
    cfg_.retry_if = retry_by_default;
}

retry_delay exponential_backoff::ceiling(int attempt) const {
  // In double, then clamped, so large attempts or factors cannot overflow.
  double ms = static_cast<double>(cfg_.base.count());
  double cap = static_cast<double>(cfg_.cap.count());
  for (int i = 1; i < attempt && ms < cap; ++i)
    ms *= cfg_.factor;
  return retry_delay{static_cast<retry_delay::rep>(std::min(ms, cap))};
}

retry_decision exponential_backoff::on_failure(const retry_context& ctx) {
  bool wanted = cfg_.retry_if(ctx.error)
                || (ctx.safe_to_repeat && ctx.error.kind == failure_class::io_maybe_sent);
  if (ctx.attempt >= cfg_.max_attempts || !wanted)
    return retry_decision::give_up();
  return retry_decision::after(uniform_delay(*rng_, ceiling(ctx.attempt)));
}

} // namespace mtsender::retry
