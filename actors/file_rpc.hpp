// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The one place where the upload and download actors call the pool, and
// what they make of its errors. Their parts go out on the DC's upload or
// download connections (rpc_options::connection_class), never on the
// connections that carry API calls.
#pragma once

#include "mtsender/messages/error.hpp"
#include "mtsender/messages/pool_actor.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

namespace mtsender::file_detail {

inline rpc_options file_rpc_options(int64_t deadline_ms, conn_class cls) {
  rpc_options o;
  o.deadline_ms = deadline_ms;
  o.connection_class = cls;
  // saveFilePart / getFile / getCdnFile do the same thing twice: the pool
  // may resend them after a lost connection without asking first.
  o.safe_to_repeat = true;
  // The download actor follows FILE_MIGRATE_X itself: it moves the whole
  // transfer (every later part) to DC X, where the pool would bounce each part.
  o.follow_migrate = false;
  return o;
}

// How long the actor waits for the pool's answer: the pool answers every
// invoke itself (its deadline, its retries), this is a backstop.
inline std::chrono::milliseconds pool_timeout(int64_t deadline_ms) {
  return std::chrono::milliseconds(std::max<int64_t>(deadline_ms, 60'000) + 30'000);
}

template <class Self, class OnValue, class OnError>
void invoke_file_rpc(Self* self, const dc_pool& pool, int32_t dc, byte_buffer body,
                     int64_t deadline_ms, conn_class cls, OnValue on_value,
                     OnError on_error) {
  rpc_request req{std::move(body), file_rpc_options(deadline_ms, cls)};
  self->request(pool, pool_timeout(deadline_ms), invoke_atom::value, dc, std::move(req))
    .then(std::move(on_value), std::move(on_error));
}

// Errors after which sending the same part again can succeed: the link or
// the server's internals, never a refusal of the request itself.
inline bool worth_retrying(const caf::error& e) {
  if (e == caf::sec::request_timeout)
    return true;
  if (e.category() != error_category)
    return false;
  switch (static_cast<errc>(e.code())) {
    case errc::connection_failed:
    case errc::connection_lost:
    case errc::deadline_exceeded:
    case errc::overloaded:
    case errc::transport_error:
    case errc::circuit_open:
      return true;
    case errc::rpc_failed:
      if (auto* d = detail_of(e))
        return d->rpc.is_internal() || d->rpc.flood_wait_seconds().has_value();
      return false;
    default:
      return false;
  }
}

// The rpc_error of a failed invoke, or nullptr.
inline const rpc_error* rpc_error_of(const caf::error& e) {
  if (e.category() != error_category || static_cast<errc>(e.code()) != errc::rpc_failed)
    return nullptr;
  auto* d = detail_of(e);
  return d ? &d->rpc : nullptr;
}

} // namespace mtsender::file_detail
