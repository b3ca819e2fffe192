// The connection actor: one TCP connection to one DC, one MTProto session.
//
// A CAF io broker that alone owns its socket. It connects without blocking the
// I/O thread (actors/connector.hpp), runs the auth-key handshake when it has
// no key, then carries RPCs: (invoke_atom, rpc_request) -> rpc_response or a
// mtsender error (messages/error.hpp). Requests that arrive close together
// leave in one frame (one container, pending acks riding along); it pings,
// tracks salts, time and acks, and enforces per-request deadlines.
//
//   caf::actor_system_config cfg; cfg.load<caf::io::middleman>();
//   mtsender::add_message_types(cfg);
//   caf::actor_system sys{cfg};
//   auto conn = mtsender::spawn_connection(sys, connection_config{...});
//
// The pool sends its requests in batches, (invoke_atom, pooled_batch), and
// gets the answers as pooled_replies, as many as one read of the socket
// produced (messages/pooled_request.hpp). The body is shared,
// and a request that an earlier connection of the same session lost is taken
// over under its old msg_id and asked about with msgs_state_req; it is sent
// again only if the server never got it, its answer is asked for again
// (msg_resend_ans_req) if the server has one, else it fails with
// connection_lost (may_have_executed) unless safe_to_repeat.
//
// It monitors cfg.parent and ends with it, however the parent ends (a
// killed owner sends no exit message).
//
// On any fatal fault it answers every open request (connection_lost, with
// detail.may_have_executed and, for a sent one, its session_id and msg_id), sends (handoff_atom, session_state) and a
// connection_down frame_event to its parent, refuses requests still on their
// way for timeouts.linger, and quits with an error naming the cause. An exit message (e.g. user_shutdown) answers open requests with
// errc::dropped and ends it the same way.
#pragma once

#include "mtsender/actors/connection_config.hpp"
#include "mtsender/messages/connection_actor.hpp"

namespace caf {
class actor_system;
}

namespace mtsender {

connection_actor spawn_connection(caf::actor_system& sys, connection_config cfg);

} // namespace mtsender
