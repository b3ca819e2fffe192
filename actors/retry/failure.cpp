#include "mtsender/actors/retry/failure.hpp"

namespace mtsender::retry {

const char* to_string(failure_class x) noexcept {
  switch (x) {
    case failure_class::flood: return "flood";
    case failure_class::migrate: return "migrate";
    case failure_class::internal: return "internal";
    case failure_class::request: return "request";
    case failure_class::io_unsent: return "io_unsent";
    case failure_class::io_maybe_sent: return "io_maybe_sent";
    case failure_class::transport: return "transport";
    case failure_class::deadline: return "deadline";
    case failure_class::circuit_open: return "circuit_open";
    case failure_class::other: return "other";
  }
  return "unknown_failure_class";
}

std::optional<int32_t> failure::flood_wait_seconds() const {
  if (kind != failure_class::flood)
    return std::nullopt;
  return detail.rpc.flood_wait_seconds();
}

std::optional<int32_t> failure::migrate_dc() const {
  if (kind != failure_class::migrate)
    return std::nullopt;
  return detail.rpc.migrate_dc();
}

bool failure::transient() const {
  switch (kind) {
    case failure_class::io_unsent:
    case failure_class::io_maybe_sent:
    case failure_class::transport:
    case failure_class::deadline:
      return true;
    case failure_class::internal:
      // BOT_RESPONSE_TIMEOUT (400) is internal trouble of someone else's
      // bot, not of the DC.
      return detail.rpc.code < 400 || detail.rpc.code >= 500;
    default:
      return false;
  }
}

bool failure::answered() const {
  return ours && code == errc::rpc_failed;
}

failure make_failure(errc code, error_detail detail) {
  failure f;
  f.code = code;
  f.detail = std::move(detail);
  switch (code) {
    case errc::rpc_failed: {
      const auto& rpc = f.detail.rpc;
      if (rpc.flood_wait_seconds())
        f.kind = failure_class::flood;
      else if (rpc.migrate_dc())
        f.kind = failure_class::migrate;
      else if (rpc.is_internal())
        f.kind = failure_class::internal;
      else
        f.kind = failure_class::request;
      break;
    }
    case errc::connection_failed:
      f.kind = failure_class::io_unsent;
      break;
    case errc::connection_lost:
      f.kind = f.detail.may_have_executed ? failure_class::io_maybe_sent
                                          : failure_class::io_unsent;
      break;
    case errc::transport_error:
      f.kind = failure_class::transport;
      break;
    case errc::deadline_exceeded:
      f.kind = failure_class::deadline;
      break;
    case errc::circuit_open:
      f.kind = failure_class::circuit_open;
      break;
    default:
      f.kind = failure_class::other;
      break;
  }
  return f;
}

failure make_rpc_failure(int32_t code, std::string message, int32_t dc_id) {
  error_detail d;
  d.rpc = rpc_error::parse(code, std::move(message));
  d.what = "rpc_error " + std::to_string(code) + " " + d.rpc.message;
  d.dc_id = dc_id;
  return make_failure(errc::rpc_failed, std::move(d));
}

failure classify(const caf::error& err) {
  // category() on an empty error dereferences null in CAF 0.17.
  if (err && err.category() == error_category) {
    error_detail d;
    if (auto* p = detail_of(err))
      d = *p;
    return make_failure(static_cast<errc>(err.code()), std::move(d));
  }
  failure f;
  f.ours = false;
  f.kind = failure_class::other;
  f.detail.what = err ? "an error of another category"
                      : "an attempt failed without an error (empty caf::error)";
  return f;
}

caf::error to_error(const failure& f) {
  // A foreign error cannot be rebuilt from a failure; callers that hold the
  // original (retry_call) answer with that instead.
  if (!f.ours)
    return make_error(errc::dropped, f.detail.what);
  return make_error(f.code, f.detail);
}

} // namespace mtsender::retry
