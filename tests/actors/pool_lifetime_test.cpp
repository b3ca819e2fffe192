// A pool's connections end with it, however it ends (user_shutdown, kill,
// an error): no actor and no socket is left behind, and the actor system
// shuts down. The shutdown runs under a watchdog so that a hang fails the
// test instead of hanging ctest.
#include "pool_fixture.hpp"

#include "mtsender/actors/connection.hpp"
#include "mtsender/store/session_store.hpp"

#include <caf/exit_reason.hpp>

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>

using namespace pool_test;

namespace {

size_t open_fds() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d))
      ++n;
    ::closedir(d);
  }
  return n;
}

// Destroys the actor system on this thread (CAF 0.17's shutdown waits
// forever when run on another one) while a watchdog thread ends the process
// with a message if it hangs: the test fails, ctest goes on.
void shut_down_with_watchdog(std::unique_ptr<caf::actor_system> sys, const char* label) {
  std::promise<void> finished;
  auto done = finished.get_future();
  std::thread watchdog{[&done, label] {
    if (done.wait_for(20s) != std::future_status::ready) {
      std::cerr << "FAILED: the actor system did not shut down within 20 s after the pool "
                << "ended (" << label << ")" << std::endl;
      std::_Exit(3);
    }
  }};
  sys.reset();
  finished.set_value();
  watchdog.join();
}

void end_pool_and_check(caf::error reason, const char* label) {
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  srv.start();
  const size_t fds_before = open_fds();
  auto n = std::make_unique<node>();
  {
    auto cfg = pool_config_for(srv, 2);
    cfg.store = std::make_shared<store::memory_session_store>();  // its writer too
    auto pool = spawn_dc_pool(*n->sys, cfg);
    caf::scoped_actor self{*n->sys};
    REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    REQUIRE(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
    // One more that stays open on a connection while the pool goes.
    pending_invokes open{self, pool, 3s};
    open.send(2, request_of(custom_query(1)));
    REQUIRE(server_got(srv, 2, custom_query_id, 1));
    REQUIRE(srv.counters().connections_open >= 2);

    self->send_exit(pool, reason);
    self->wait_for(pool);
    open.collect();  // dropped, or the caller's own timeout after a kill
    // Only the test's own scoped_actor is left.
    CHECK(eventually([&] { return n->sys->registry().running() == 1; }));
    if (n->sys->registry().running() != 1)
      WARN("actors still running: " << n->sys->registry().running());
  }
  CHECK(eventually([&] { return srv.counters().connections_open == 0; }));
  shut_down_with_watchdog(std::move(n->sys), label);
  n.reset();
  CHECK(eventually([&] { return open_fds() <= fds_before; }));
  CHECK(open_fds() == fds_before);
}

} // namespace

TEST_CASE("a pool that ends with user_shutdown leaves no actor or socket behind",
          "[actors][pool][lifetime]") {
  end_pool_and_check(caf::exit_reason::user_shutdown, "user_shutdown");
}

TEST_CASE("a killed pool leaves no actor or socket behind and the system shuts down",
          "[actors][pool][lifetime]") {
  end_pool_and_check(caf::exit_reason::kill, "kill");
}

TEST_CASE("a pool that ends with an error leaves no actor or socket behind",
          "[actors][pool][lifetime]") {
  end_pool_and_check(make_error(errc::malformed_reply, "test: the owner failed"), "error");
}

TEST_CASE("a bare connection ends when its owner is killed", "[actors][pool][lifetime]") {
  test_dc::server srv{two_dcs()};
  srv.start();
  const size_t fds_before = open_fds();
  auto n = std::make_unique<node>();
  {
    // The owner is a plain actor that does nothing; killing it must take its
    // connection down (mtproto-ping's give-up path).
    auto owner = n->sys->spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](const frame_event&) {}, [](handoff_atom, const session_state&) {}};
    });
    connection_config c;
    c.dc_id = 2;
    c.host = srv.host(2);
    c.port = srv.port(2);
    c.rsa_keys = {srv.public_key()};
    c.parent = owner;
    auto conn = spawn_connection(*n->sys, c);
    caf::scoped_actor self{*n->sys};
    self->monitor(conn);
    REQUIRE(eventually([&] { return srv.counters(2).handshakes_completed == 1; }));
    self->send_exit(owner, caf::exit_reason::kill);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
    CHECK(down);
    CHECK(eventually([&] { return n->sys->registry().running() == 1; }));
  }
  CHECK(eventually([&] { return srv.counters().connections_open == 0; }));
  shut_down_with_watchdog(std::move(n->sys), "bare connection");
  n.reset();
  CHECK(eventually([&] { return open_fds() <= fds_before; }));
  CHECK(open_fds() == fds_before);
}
