// The typed interface of the DC pool: the one actor users talk to.
//
//   dc_pool pool = spawn_dc_pool(sys, cfg);                 // actors/dc_pool.hpp
//   self->request(pool, 30s, invoke_atom::value, int32_t{2}, rpc_request{body, {}})
//     .then([](rpc_response& r) {...}, [](caf::error& e) {...});
//   self->request(pool, 5s, listen_atom::value, listener).then([](caf::ok_atom) {});
//   self->request(pool, 5s, listen_atom::value, listener, listener_options{...});
//   self->request(pool, 5s, unlisten_atom::value, listener);
//   self->request(pool, 30s, reconnect_request{2});         // 0: every DC
//   self->request(pool, 5s, cancel_atom::value, uint64_t{token})   // rpc_options::token,
//                                       // or the typed invoke's handle.token() (invoke.hpp)
//     .then([](bool found) {...});   // the invoke itself is answered errc::cancelled
//   self->request(pool, 30s, refresh_dc_config{})           // help.getConfig now
//     .then([](const dc_table_snapshot& t) {...});          // messages/dc_config.hpp
//   self->request(pool, 5s, caf::get_atom::value, stats_atom::value)
//     .then([](const pool_stats& s) {...});
//   self->send_exit(pool, caf::exit_reason::user_shutdown); // pending -> errc::dropped
//
// Every invoke gets exactly one answer: rpc_response or a mtsender error
// (messages/error.hpp).
#pragma once

#include "mtsender/messages/atoms.hpp"
#include "mtsender/messages/dc_config.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/pool_listener.hpp"
#include "mtsender/messages/pool_reconnect.hpp"
#include "mtsender/messages/pool_stats.hpp"
#include "mtsender/messages/rpc.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

namespace mtsender {

using dc_pool = caf::typed_actor<
  caf::replies_to<invoke_atom, int32_t, rpc_request>::with<rpc_response>,
  caf::replies_to<listen_atom, caf::actor>::with<caf::ok_atom>,
  caf::replies_to<listen_atom, caf::actor, listener_options>::with<caf::ok_atom>,
  caf::replies_to<unlisten_atom, caf::actor>::with<caf::ok_atom>,
  caf::replies_to<reconnect_request>::with<caf::ok_atom>,
  caf::replies_to<cancel_atom, uint64_t>::with<bool>,
  caf::replies_to<refresh_dc_config>::with<dc_table_snapshot>,
  caf::replies_to<caf::get_atom, stats_atom>::with<pool_stats>>;

} // namespace mtsender
