// Two CAF nodes in one process, as a user with two machines would have them:
// the pool node runs the in-process test server and a DC pool and publishes
// the pool on a port of 127.0.0.1; the client node gets the pool with
// remote_actor<dc_pool> and talks to it through the same typed interface.
// Both nodes load io::middleman and call add_message_types, and nothing else.
//
// Helpers (invoke_one, stats_of, forwarding_listener, ...) come from the pool
// tests' fixture; they take a dc_pool handle, local or remote alike.
#pragma once

#include "mtsender/tests/actors/pool_fixture.hpp"

#include <caf/io/middleman.hpp>

#include <chrono>
#include <memory>

namespace remote_test {

using namespace std::chrono_literals;
using namespace mtsender;

// BASP heartbeats: a node sends one every `interval` and drops a connection
// that was silent for `timeout` (0: CAF's defaults, heartbeats off).
struct link_watch {
  std::chrono::milliseconds interval{0};
  std::chrono::milliseconds timeout{0};
};

struct caf_node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  explicit caf_node(link_watch watch = {}) {
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    if (watch.interval.count() > 0)
      cfg.set("middleman.heartbeat-interval", caf::timespan{watch.interval});
    if (watch.timeout.count() > 0)
      cfg.set("middleman.connection-timeout", caf::timespan{watch.timeout});
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

// The node that owns the pool (and the test server it talks to).
struct pool_node {
  test_dc::server srv{pool_test::two_dcs()};
  caf_node node;
  dc_pool pool;
  uint16_t port = 0;

  explicit pool_node(link_watch watch = {}) : node(watch) {
    srv.start();
    auto cfg = pool_test::pool_config_for(srv, 1);
    cfg.learn_dcs = false;   // the tests count the pool's requests exactly
    pool = spawn_dc_pool(*node.sys, cfg);
    auto published = node.sys->middleman().publish(pool, 0, "127.0.0.1");
    if (!published)
      throw std::runtime_error("publish: " + node.sys->render(published.error()));
    port = *published;
  }

  // The node goes away: the pool stops (its pending invokes are answered
  // errc::dropped), then the actor system ends, closing every BASP connection.
  void shut_down() {
    if (!node.sys)
      return;
    {
      caf::scoped_actor self{*node.sys};
      self->send_exit(pool, caf::exit_reason::user_shutdown);
      self->wait_for(pool);
    }
    pool = dc_pool{};
    srv.stop();
    node.sys.reset();
  }

  ~pool_node() { shut_down(); }
};

inline dc_pool connect_to(caf_node& client, uint16_t port) {
  auto remote = client.sys->middleman().remote_actor<dc_pool>("127.0.0.1", port);
  if (!remote)
    throw std::runtime_error("remote_actor: " + client.sys->render(remote.error()));
  return *remote;
}

inline std::chrono::milliseconds since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - t0);
}

} // namespace remote_test
