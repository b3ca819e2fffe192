// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The DC pool's session store writer: saves run on a thread of their own (a
// detached actor), so a slow disk (a file store fsyncs) never holds up the
// pool's requests. Not part of the public API.
//
//   auto w = spawn_store_writer(sys, cfg.store, self->address());
//   self->send(w, store_save_atom::value, data);     // after every change
//   self->send(w, store_done_atom::value);           // at shutdown, last
//
// Saves happen in the order they were sent, each with the whole value. A save
// that throws is reported to the pool as (store_failed_atom, what). The writer
// stops after store_done_atom, so whatever was sent before is saved even when
// the pool is already gone (the actor system waits for the writer).
#pragma once

#include "mtsender/store/session_data.hpp"
#include "mtsender/store/session_store.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <memory>

namespace caf {
class actor_system;
}

namespace mtsender::pool_detail {

using store_save_atom = caf::atom_constant<caf::atom("pstsave")>;
using store_done_atom = caf::atom_constant<caf::atom("pstdone")>;
using store_failed_atom = caf::atom_constant<caf::atom("pstfail")>;

caf::actor spawn_store_writer(caf::actor_system& sys, std::shared_ptr<store::session_store> store,
                              caf::actor_addr report_to);

} // namespace mtsender::pool_detail

// Local only: the writer lives in the pool's actor system.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mtsender::store::session_data)
