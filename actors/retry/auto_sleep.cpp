#include "mtsender/actors/retry/auto_sleep.hpp"

#include "mtsender/actors/retry/jitter.hpp"

#include <algorithm>
#include <stdexcept>

namespace mtsender::retry {

auto_sleep::auto_sleep(auto_sleep_config cfg, std::shared_ptr<random_source> rng)
  : cfg_(cfg), rng_(std::move(rng)) {
  if (!rng_)
    throw std::invalid_argument("auto_sleep: random source is null");
}

retry_decision auto_sleep::on_failure(const retry_context& ctx) {
  retry_delay delay{0};
  switch (ctx.error.kind) {
    case failure_class::flood: {
      auto secs = ctx.error.flood_wait_seconds();
      if (!secs || std::chrono::seconds(*secs) > cfg_.flood_threshold
          || ctx.same_class_before >= cfg_.max_flood_retries)
        return retry_decision::give_up();
      delay = std::chrono::seconds(*secs) + uniform_delay(*rng_, cfg_.flood_jitter);
      break;
    }
    case failure_class::io_maybe_sent:
      if (!ctx.safe_to_repeat)
        return retry_decision::give_up();
      [[fallthrough]];
    case failure_class::io_unsent:
      // Counted per kind: unsent and maybe-run failures have a budget each.
      if (ctx.same_class_before >= cfg_.max_io_retries)
        return retry_decision::give_up();
      delay = cfg_.io_retry_delay;
      break;
    case failure_class::internal: {
      if (ctx.same_class_before >= cfg_.max_internal_retries)
        return retry_decision::give_up();
      // Doubling without overflow: stop doubling once past the cap.
      delay = cfg_.internal_base;
      for (int i = 0; i < ctx.same_class_before && delay < cfg_.internal_cap; ++i)
        delay *= 2;
      delay = std::min(delay, cfg_.internal_cap);
      break;
    }
    default:
      return retry_decision::give_up();
  }
  if (ctx.slept + delay > cfg_.max_total_sleep)
    return retry_decision::give_up();
  return retry_decision::after(delay);
}

} // namespace mtsender::retry
