// What a caller sends to run an RPC and what it gets back.
//
//   rpc_request req{tl_serialized_function, {}};
//   req.options.deadline_ms = 5000;
//   self->request(conn, 10s, invoke_atom::value, std::move(req)).then(
//     [](const rpc_response& r) { /* r.bytes: the raw TL result */ },
//     [](caf::error& e) { /* errc::..., see messages/error.hpp */ });
//
// `body` is one serialized TL function; the connection wraps it in the
// MTProto envelope (and in invokeAfterMsg when `invoke_after` is set).
#pragma once

#include "mtsender/messages/connection_class.hpp"
#include "mtsender/transport/bytes.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace mtsender {

struct rpc_options {
  // How long the request may take, from when the connection accepts it
  // (0 = the connection's default). On expiry the request alone fails with
  // errc::deadline_exceeded and the server is told to drop the answer.
  int64_t deadline_ms = 0;
  // True when running the function twice does no harm (reads): a retry may
  // then resend it even when it may already have executed.
  bool safe_to_repeat = false;
  // The caller's name for this request (0 = none); lets a later request of
  // the same connection ask to run after it.
  uint64_t token = 0;
  // Run only after the request whose token this is (invokeAfterMsg); 0 = no
  // ordering. Ignored when that request is no longer known.
  uint64_t invoke_after = 0;
  // Retry policy override for the pool: -1 = the pool's default.
  int32_t max_retries = -1;
  // The pool follows *_MIGRATE_X answers (resends to DC X; USER_, PHONE_ and
  // NETWORK_MIGRATE also move the home DC). False: the caller gets them.
  bool follow_migrate = true;
  // The pool's connections it goes out on (messages/connection_class.hpp):
  // upload / download keep file parts off the API connections.
  conn_class connection_class = conn_class::main;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rpc_options& x) {
  return f(caf::meta::type_name("mtsender_rpc_options"), x.deadline_ms,
           x.safe_to_repeat, x.token, x.invoke_after, x.max_retries, x.follow_migrate,
           x.connection_class);
}

struct rpc_request {
  byte_buffer body;
  rpc_options options;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rpc_request& x) {
  return f(caf::meta::type_name("mtsender_rpc_request"), x.body, x.options);
}

struct rpc_response {
  byte_buffer bytes;  // the rpc_result's result, unzipped, raw TL
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rpc_response& x) {
  return f(caf::meta::type_name("mtsender_rpc_response"), x.bytes);
}

} // namespace mtsender
