#include "mtsender/actors/retry/retry_driver.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mtsender::retry {

static_assert(static_cast<size_t>(failure_class::other) + 1 == failure_class_count,
              "failure_class_count must count every failure_class");

const char* to_string(step_kind x) noexcept {
  switch (x) {
    case step_kind::send: return "send";
    case step_kind::wait: return "wait";
    case step_kind::fail: return "fail";
  }
  return "unknown_step_kind";
}

retry_driver::retry_driver(std::shared_ptr<retry_policy> policy,
                           std::shared_ptr<flood_wait_registry> floods,
                           int32_t dc_id, uint32_t constructor_id,
                           std::optional<retry_time> deadline, bool safe_to_repeat)
  : policy_(std::move(policy)),
    floods_(std::move(floods)),
    dc_id_(dc_id),
    constructor_id_(constructor_id),
    deadline_(deadline),
    safe_to_repeat_(safe_to_repeat) {
  if (!policy_)
    throw std::invalid_argument("retry_driver: null policy");
}

retry_step retry_driver::fail(failure f, bool reported) {
  retry_step s;
  s.kind = step_kind::fail;
  s.error = std::move(f);
  s.reported = reported;
  return s;
}

retry_step retry_driver::before_send(retry_time now) {
  if (in_flight_)
    throw std::logic_error("retry_driver: before_send while an attempt is in flight");
  if (deadline_ && now >= *deadline_) {
    if (last_)
      return fail(*last_, last_reported_);
    error_detail d;
    d.what = "the request's deadline passed before it could be sent";
    d.dc_id = dc_id_;
    return fail(make_failure(errc::deadline_exceeded, std::move(d)), false);
  }
  if (floods_) {
    if (auto left = floods_->remaining(dc_id_, constructor_id_, now)) {
      auto secs = std::chrono::ceil<std::chrono::seconds>(*left).count();
      secs = std::min<decltype(secs)>(secs, INT32_MAX);
      auto f = make_rpc_failure(420, "FLOOD_WAIT_" + std::to_string(secs), dc_id_);
      f.detail.what = "flood wait remembered for this method on DC "
                      + std::to_string(dc_id_) + ": " + std::to_string(left->count())
                      + " ms left (not sent)";
      return decide(f, now, false, false, false);
    }
  }
  auto a = policy_->admit(request_info{dc_id_, constructor_id_, now, false});
  if (!a.allowed)
    return fail(std::move(a.refusal), false);
  in_flight_ = true;
  probe_ = a.probe;
  ++tries_;
  return retry_step{};
}

retry_step retry_driver::on_failure(const failure& f, retry_time now) {
  bool attempted = in_flight_;
  bool probe = probe_;
  in_flight_ = false;
  probe_ = false;
  if (floods_ && attempted) {
    if (auto secs = f.flood_wait_seconds())
      floods_->note(dc_id_, constructor_id_, now + std::chrono::seconds(*secs));
  }
  return decide(f, now, attempted, probe, true);
}

retry_step retry_driver::decide(const failure& f, retry_time now, bool attempted,
                                bool probe, bool reported) {
  if (!attempted)
    ++tries_;   // a try stopped before the wire still counts as one
  auto cls = static_cast<size_t>(f.kind);
  retry_context ctx;
  ctx.attempt = tries_;
  ctx.slept = slept_;
  ctx.same_class_before = cls < per_class_.size() ? per_class_[cls] : 0;
  ctx.error = f;
  ctx.dc_id = dc_id_;
  ctx.constructor_id = constructor_id_;
  ctx.now = now;
  ctx.deadline = deadline_;
  ctx.attempted = attempted;
  ctx.probe = probe;
  ctx.safe_to_repeat = safe_to_repeat_;
  if (cls < per_class_.size())
    ++per_class_[cls];
  auto d = policy_->on_failure(ctx);
  if (d.delay.count() < 0)
    d.delay = retry_delay{0};
  d = apply_deadline(d, now, deadline_);
  if (!d.retry)
    return fail(f, reported);
  slept_ += d.delay;
  last_ = f;
  last_reported_ = reported;
  retry_step s;
  s.kind = step_kind::wait;
  s.delay = d.delay;
  return s;
}

void retry_driver::on_success(retry_time now) {
  bool probe = probe_;
  in_flight_ = false;
  probe_ = false;
  policy_->on_success(request_info{dc_id_, constructor_id_, now, probe});
}

} // namespace mtsender::retry
