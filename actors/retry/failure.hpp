// What went wrong with one attempt of an RPC, in the terms retry policies
// decide on.
//
// The pool sees failures as caf::errors; `classify` turns one into a
// `failure` in this one place, so every policy is plain logic over a plain
// struct (and tests build failures with `make_failure` without an actor
// system):
//
//   auto f = classify(err);            // err: the caf::error an attempt ended with
//   if (f.kind == failure_class::flood) wait(*f.flood_wait_seconds());
#pragma once

#include "mtsender/messages/error.hpp"

#include <caf/error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace mtsender::retry {

enum class failure_class : uint8_t {
  flood,         // rpc error carrying a wait: FLOOD_WAIT_X, SLOWMODE_WAIT_X, 420 ...
  migrate,       // 303 *_MIGRATE_X: the request belongs on another DC
  internal,      // server trouble: 500, -500, -503, RPC_CALL_FAIL, WORKER_BUSY..., *_TIMEOUT
  request,       // any other rpc error: the server refused the request itself
  io_unsent,     // connection_failed, or connection_lost before the request could run
  io_maybe_sent, // connection_lost after the server may have run it
  transport,     // transport error code from the server (-404, -429, -444)
  deadline,      // deadline_exceeded
  circuit_open,  // refused locally by a circuit breaker
  other,         // dropped, malformed_reply, overloaded, errors of other categories ...
};

inline constexpr size_t failure_class_count = 10;

const char* to_string(failure_class x) noexcept;

struct failure {
  errc code = errc::rpc_failed;
  failure_class kind = failure_class::other;
  error_detail detail;
  // False for errors of another category (e.g. caf::sec): `code` and
  // `detail` then mean nothing.
  bool ours = true;

  // Seconds the server asked us to wait, for kind == flood.
  std::optional<int32_t> flood_wait_seconds() const;
  // The DC a 303 migration names.
  std::optional<int32_t> migrate_dc() const;
  // Whether the failure says the DC (or the path to it) is in trouble, as
  // opposed to the request being wrong: I/O, transport errors, internal
  // server errors that are not 4xx, deadlines. What circuit breakers count.
  bool transient() const;
  // Whether the server gave a verdict on the request (any rpc error): proof
  // that the DC is alive.
  bool answered() const;
};

// The classification of an mtsender error; pure, no CAF.
failure make_failure(errc code, error_detail detail);
failure make_rpc_failure(int32_t code, std::string message, int32_t dc_id = 0);

// The one place a caf::error becomes a failure.
failure classify(const caf::error& err);

// A caf::error carrying the failure (for failures made up locally: circuit
// open, a remembered flood wait, a passed deadline).
caf::error to_error(const failure& f);

} // namespace mtsender::retry
