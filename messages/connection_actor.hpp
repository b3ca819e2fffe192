// The messages a connection actor (actors/connection.hpp) answers.
//
//   connection_actor conn = spawn_connection(sys, cfg);
//   self->request(conn, 10s, invoke_atom::value, req).then(...);
//   self->request(conn, 1s, caf::get_atom::value, stats_atom::value).then(...);
//   (the pool sends (invoke_atom, pooled_batch) instead, and gets pooled_replies
//   back: messages/pooled_request.hpp)
//
// It also sends, unasked, to its parent: frame_event, and on a fatal fault
// (handoff_atom, session_state) before it quits with an error naming the cause.
#pragma once

#include "mtsender/messages/atoms.hpp"
#include "mtsender/messages/connection_stats.hpp"
#include "mtsender/messages/pooled_request.hpp"
#include "mtsender/messages/rpc.hpp"
#include "mtsender/messages/session_state.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace mtsender {

using connection_actor = caf::typed_actor<
  caf::replies_to<invoke_atom, rpc_request>::with<rpc_response>,
  // The pool's own path: shared body, and the state check of a lost request.
  caf::replies_to<invoke_atom, pooled_request>::with<rpc_response>,
  // ... and in batches, answered with pooled_replies sent to the batch's sender.
  caf::reacts_to<invoke_atom, pooled_batch>,
  caf::replies_to<caf::get_atom, stats_atom>::with<connection_stats>,
  // The session as a successor would continue it (salt, time offset, ...).
  caf::replies_to<caf::get_atom, handoff_atom>::with<session_state>,
  // The pool cancels a request by its rpc_options::token: answered
  // errc::cancelled, the server told to drop the answer (rpc_drop_answer).
  caf::reacts_to<cancel_atom, uint64_t>>;

} // namespace mtsender
