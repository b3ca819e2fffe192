#include "mtsender/actors/store_writer.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <exception>
#include <string>

namespace mtsender::pool_detail {
namespace {

caf::behavior store_writer(caf::event_based_actor* self,
                           std::shared_ptr<store::session_store> store,
                           caf::actor_addr report_to) {
  // It ends with its pool, however the pool ends (a killed pool never sends
  // store_done): saves already sent are in the mailbox before the down
  // message, so they are still written.
  if (auto pool = caf::actor_cast<caf::actor>(report_to)) {
    self->monitor(pool);
    self->set_down_handler([=](caf::down_msg& dm) {
      if (dm.source == report_to)
        self->quit();
    });
  } else {
    self->quit();
  }
  return {
    [=](store_save_atom, const store::session_data& data) {
      try {
        store->save(data);
      } catch (const std::exception& e) {
        // Weak: a pool that already stopped is not kept alive by its writer.
        if (auto pool = caf::actor_cast<caf::actor>(report_to))
          caf::anon_send(pool, store_failed_atom::value, std::string(e.what()));
      }
    },
    [=](store_done_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_store_writer(caf::actor_system& sys, std::shared_ptr<store::session_store> store,
                              caf::actor_addr report_to) {
  return sys.spawn<caf::detached>(store_writer, std::move(store), std::move(report_to));
}

} // namespace mtsender::pool_detail
