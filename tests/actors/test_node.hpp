// The CAF node of the actor tests (middleman loaded, the project's message
// types added, two scheduler threads), matching a caf::error against an
// errc, and waiting for a condition another thread makes true; shared by
// connection_fixture.hpp and pool_fixture.hpp.
#pragma once

#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <memory>
#include <thread>

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

// Polls `p` until it holds or `limit` passes; for state that no message
// announces (the test server's counters). The limit only guards a hang.
template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!p()) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace mtsender::actor_test
