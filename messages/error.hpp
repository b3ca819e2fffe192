// The errors every reply of caf-mtsender's actors can carry.
//
// They are caf::errors of one category ("mtsender"), so they cross CAF nodes,
// and each carries an `error_detail` so a caller reads the RPC error, the
// transport error code or whether a lost request may have run, without
// parsing strings:
//
//   [&](caf::error& err) {
//     if (err == mtsender::errc::rpc_failed)
//       if (auto* d = mtsender::detail_of(err); d && d->rpc.flood_wait_seconds()) ...
//   }
#pragma once

#include "mtsender/messages/rpc_error.hpp"

#include <caf/error.hpp>
#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mtsender {

enum class errc : uint8_t {
  // 0 means "no error" to CAF.
  rpc_failed = 1,          // the server answered with rpc_error (detail.rpc)
  transport_error,         // the server sent a transport error (detail.transport_code)
  connection_failed,       // no connection could be made; the request was never sent
  connection_lost,         // lost after sending (detail.may_have_executed)
  deadline_exceeded,       // no answer within the request's deadline
  circuit_open,            // the DC's circuit breaker refuses requests for now
  dropped,                 // the actor shut down before an answer came
  malformed_reply,         // the server's bytes broke the protocol (detail.what)
  handshake_failed,        // the auth-key handshake failed a check (detail.what)
  overloaded,              // a queue or byte cap is full; try again later
  invalid_request,         // the request itself is unusable (e.g. empty body)
  unknown_dc,              // no address known for the DC id
  server_rejected,         // bad_msg_notification that cannot be fixed by resending
  cancelled,               // the caller cancelled it (cancel_atom) before an answer came
};

const char* to_string(errc x) noexcept;

struct error_detail {
  std::string what;              // human-readable, names the cause
  rpc_error rpc;                 // with errc::rpc_failed
  int32_t transport_code = 0;    // with errc::transport_error: -404, -429, -444
  bool may_have_executed = false;// with connection_lost / deadline_exceeded
  int32_t dc_id = 0;             // the DC the request was for, when known
  // With connection_lost / dropped after a send: the MTProto session and the
  // msg_id of the last send, so a later connection of the same session can
  // ask the server whether it got the request (msgs_state_req).
  int64_t session_id = 0;
  int64_t msg_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error_detail& x) {
  return f(caf::meta::type_name("mtsender_error_detail"), x.what, x.rpc,
           x.transport_code, x.may_have_executed, x.dc_id, x.session_id, x.msg_id);
}

inline constexpr caf::atom_value error_category = caf::atom("mtsender");

caf::error make_error(errc code, error_detail detail);
caf::error make_error(errc code, std::string what = {});
caf::error make_rpc_error(rpc_error rpc, int32_t dc_id = 0);

// The detail carried by an error of our category; nullptr for other errors.
const error_detail* detail_of(const caf::error& err);

// The text CAF's renderer shows for our category (used by add_message_types).
std::string render_error(uint8_t code, caf::atom_value, const caf::message& ctx);

} // namespace mtsender
