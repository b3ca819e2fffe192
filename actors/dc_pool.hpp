// The DC pool: the supervisor actor users spawn and talk to (interface:
// messages/pool_actor.hpp). It owns up to max_connections connection actors
// per DC for API calls, and on demand upload / download connections
// (rpc_options::connection_class, pool_config's caps), routes each invoke to
// the least-loaded live one of its class, applies the retry
// policy (flood waits, circuit breaker, deadlines), shares one auth key per
// DC between its connections, replaces failed connections with back-off,
// and fans frame_events out to subscribed listeners with flow control.
//
//   caf::actor_system_config cfg; cfg.load<caf::io::middleman>();
//   mtsender::add_message_types(cfg);
//   caf::actor_system sys{cfg};
//   mtsender::pool_config pc;                       // Telegram production by default
//   auto pool = mtsender::spawn_dc_pool(sys, pc);   // throws store::store_error
//   ...
//   caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
//
// The pool lives until it gets an exit message (its connections hold a
// handle to it): send one before the actor system goes away. It answers every
// pending request with errc::dropped, refuses requests that arrive in the
// next timeouts.linger the same way, then quits. It runs on the middleman's
// I/O thread (a broker without sockets, beside its connections): CAF 0.17
// drops requests to a quit broker silently, so request it with a timeout.
#pragma once

#include "mtsender/actors/pool_config.hpp"
#include "mtsender/messages/pool_actor.hpp"

namespace caf {
class actor_system;
}

namespace mtsender {

// Loads cfg.store first (a corrupt store throws store::store_error here,
// before anything is spawned).
dc_pool spawn_dc_pool(caf::actor_system& sys, pool_config cfg);

} // namespace mtsender
