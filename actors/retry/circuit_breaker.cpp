#include "mtsender/actors/retry/circuit_breaker.hpp"

#include <stdexcept>
#include <string>

namespace mtsender::retry {

const char* to_string(breaker_state x) noexcept {
  switch (x) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown_breaker_state";
}

circuit_breaker::circuit_breaker(breaker_config cfg, listener on_change)
  : cfg_(cfg), on_change_(std::move(on_change)) {
  if (cfg_.threshold < 1)
    throw std::invalid_argument("circuit_breaker: threshold must be >= 1");
  if (cfg_.cooldown.count() < 0)
    throw std::invalid_argument("circuit_breaker: negative cooldown");
}

void circuit_breaker::move(int32_t dc_id, dc_state& s, breaker_state to,
                           retry_time now) {
  if (s.state == to)
    return;
  breaker_transition t{dc_id, s.state, to, now};
  s.state = to;
  s.probe_in_flight = false;
  if (to == breaker_state::open) {
    s.opened_at = now;
    ++s.times_opened;
  }
  if (to == breaker_state::closed)
    s.consecutive = 0;
  if (on_change_)
    on_change_(t);
}

circuit_breaker::dc_state& circuit_breaker::refresh(int32_t dc_id, retry_time now) {
  auto& s = dcs_[dc_id];
  if (s.state == breaker_state::open && now - s.opened_at >= cfg_.cooldown)
    move(dc_id, s, breaker_state::half_open, now);
  return s;
}

admission circuit_breaker::admit(int32_t dc_id, retry_time now) {
  // A DC that never failed has no entry: no state is kept per DC id seen.
  if (dcs_.count(dc_id) == 0)
    return admission::allow();
  auto& s = refresh(dc_id, now);
  auto refuse = [&](std::string why) {
    error_detail d;
    d.what = "circuit breaker for DC " + std::to_string(dc_id) + " " + why;
    d.dc_id = dc_id;
    return admission::refuse(make_failure(errc::circuit_open, std::move(d)));
  };
  switch (s.state) {
    case breaker_state::closed:
      return admission::allow();
    case breaker_state::open: {
      auto left = std::chrono::ceil<retry_delay>(s.opened_at + cfg_.cooldown - now);
      return refuse("is open after " + std::to_string(s.consecutive)
                    + " consecutive failures; next probe in "
                    + std::to_string(left.count()) + " ms");
    }
    case breaker_state::half_open:
      if (s.probe_in_flight)
        return refuse("is half-open and its probe request is in flight");
      s.probe_in_flight = true;
      return admission::allow_probe();
  }
  return admission::allow();
}

void circuit_breaker::record_success(int32_t dc_id, bool probe, retry_time now) {
  if (dcs_.count(dc_id) == 0)
    return;
  auto& s = refresh(dc_id, now);
  if (s.state == breaker_state::closed)
    s.consecutive = 0;
  else if (s.state == breaker_state::half_open && probe)
    move(dc_id, s, breaker_state::closed, now);
  // Late outcomes of requests sent before the circuit opened say nothing
  // about the DC now; only the probe decides.
}

void circuit_breaker::record_failure(int32_t dc_id, const failure& f, bool probe,
                                     retry_time now) {
  if (dcs_.count(dc_id) == 0 && !f.transient())
    return;
  auto& s = refresh(dc_id, now);
  if (s.state == breaker_state::closed) {
    if (f.transient()) {
      if (++s.consecutive >= cfg_.threshold)
        move(dc_id, s, breaker_state::open, now);
    } else if (f.answered()) {
      s.consecutive = 0;
    }
    return;
  }
  if (s.state != breaker_state::half_open || !probe)
    return;
  if (f.transient()) {
    ++s.consecutive;
    move(dc_id, s, breaker_state::open, now);
  } else if (f.answered()) {
    move(dc_id, s, breaker_state::closed, now);
  } else {
    // Dropped or refused locally: no verdict; the next request may probe.
    s.probe_in_flight = false;
  }
}

void circuit_breaker::cancel_probe(int32_t dc_id) {
  auto it = dcs_.find(dc_id);
  if (it != dcs_.end() && it->second.state == breaker_state::half_open)
    it->second.probe_in_flight = false;
}

breaker_state circuit_breaker::state(int32_t dc_id, retry_time now) {
  if (dcs_.count(dc_id) == 0)
    return breaker_state::closed;
  return refresh(dc_id, now).state;
}

std::optional<retry_time> circuit_breaker::reopens_at(int32_t dc_id) const {
  auto it = dcs_.find(dc_id);
  if (it == dcs_.end() || it->second.state != breaker_state::open)
    return std::nullopt;
  return it->second.opened_at + cfg_.cooldown;
}

int circuit_breaker::consecutive_failures(int32_t dc_id) const {
  auto it = dcs_.find(dc_id);
  return it == dcs_.end() ? 0 : it->second.consecutive;
}

uint64_t circuit_breaker::times_opened(int32_t dc_id) const {
  auto it = dcs_.find(dc_id);
  return it == dcs_.end() ? 0 : it->second.times_opened;
}

} // namespace mtsender::retry
