#include "mtsender/actors/retry/breaker_policy.hpp"

#include <stdexcept>

namespace mtsender::retry {

breaker_policy::breaker_policy(std::shared_ptr<circuit_breaker> breaker,
                               std::shared_ptr<retry_policy> inner)
  : breaker_(std::move(breaker)), inner_(std::move(inner)) {
  if (!breaker_ || !inner_)
    throw std::invalid_argument("breaker_policy: null breaker or inner policy");
}

admission breaker_policy::admit(const request_info& info) {
  auto gate = breaker_->admit(info.dc_id, info.now);
  if (!gate.allowed)
    return gate;
  auto inner = inner_->admit(info);
  if (!inner.allowed) {
    if (gate.probe)
      breaker_->cancel_probe(info.dc_id);
    return inner;
  }
  inner.probe = inner.probe || gate.probe;
  return inner;
}

retry_decision breaker_policy::on_failure(const retry_context& ctx) {
  if (ctx.attempted)
    breaker_->record_failure(ctx.dc_id, ctx.error, ctx.probe, ctx.now);
  auto d = inner_->on_failure(ctx);
  if (d.retry) {
    if (auto reopen = breaker_->reopens_at(ctx.dc_id); reopen && ctx.now + d.delay < *reopen)
      return retry_decision::give_up();
  }
  return d;
}

void breaker_policy::on_success(const request_info& info) {
  breaker_->record_success(info.dc_id, info.probe, info.now);
  inner_->on_success(info);
}

std::shared_ptr<retry_policy> with_breaker(std::shared_ptr<circuit_breaker> breaker,
                                           std::shared_ptr<retry_policy> inner) {
  return std::make_shared<breaker_policy>(std::move(breaker), std::move(inner));
}

} // namespace mtsender::retry
