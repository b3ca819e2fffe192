// The CAF node of the actor tests (middleman loaded, the project's message
// types added, two scheduler threads) and matching a caf::error against an
// errc; shared by connection_fixture.hpp and pool_fixture.hpp.
#pragma once

#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <memory>

namespace mtsender::actor_test {

struct node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  node() {
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

inline bool is(const caf::error& e, errc code) {
  return e == caf::error(static_cast<uint8_t>(code), error_category);
}

} // namespace mtsender::actor_test
