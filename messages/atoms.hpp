// The atoms of caf-mtsender's public actor messages.
//
// Names stay clear of the atoms CAF itself defines (caf::flush_atom,
// caf::ping_atom, caf::subscribe_atom, ...), so `using namespace caf` next to
// `using namespace mtsender` never makes a name ambiguous. Where CAF already
// has the word we need (caf::get_atom, caf::ok_atom) we use CAF's.
#pragma once

#include <caf/atom.hpp>

namespace mtsender {

// (invoke_atom, rpc_request) -> rpc_response: run one RPC.
using invoke_atom = caf::atom_constant<caf::atom("invoke")>;
// (caf::get_atom, stats_atom) -> connection_stats / pool stats.
using stats_atom = caf::atom_constant<caf::atom("stats")>;
// (handoff_atom, session_state): a dying connection hands its session on.
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;
// (listen_atom, actor) / (unlisten_atom, actor): frame_event listeners.
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using unlisten_atom = caf::atom_constant<caf::atom("unlisten")>;
// (cancel_atom, token) -> bool: cancel the pending request with rpc_options::token.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
// (reconnect_atom, dc_id): replace a DC's connections.
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;

} // namespace mtsender
