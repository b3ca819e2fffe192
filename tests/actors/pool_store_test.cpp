// The pool with a session store: keys saved when made and reused by the next
// pool (no second handshake); a corrupt store refused before anything starts;
// a string session imported into a pool.
#include "pool_fixture.hpp"

#include "mtsender/store/file_session_store.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/store/string_session.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace pool_test;

namespace {

// The pool saves on its store writer's thread: wait until both keys are there.
store::session_data saved_keys(const std::string& path) {
  store::session_data d;
  auto until = std::chrono::steady_clock::now() + 5s;
  do {
    d = store::file_session_store{path}.load();
    if (d.key(2) && d.key(4))
      break;
    std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < until);
  return d;
}

// A store whose disk is full.
class failing_store final : public store::session_store {
public:
  store::session_data load() override { return {}; }
  void save(const store::session_data&) override {
    ++saves;
    throw store::store_error(store::store_errc::io_failed, "disk full (test)");
  }
  std::atomic<int> saves{0};
};

} // namespace

TEST_CASE("keys saved by one pool are used by the next", "[actors][pool][store]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  char tmpl[] = "/tmp/mtsender-pool-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  const std::string path = std::string(tmpl) + "/tg.session";
  caf::scoped_actor self{*n.sys};
  {
    auto cfg = pool_config_for(srv, 1);
    cfg.store = std::make_shared<store::file_session_store>(path);
    auto pool = spawn_dc_pool(*n.sys, cfg);
    REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    REQUIRE(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
    stop(self, pool);
  }
  auto saved = saved_keys(path);
  REQUIRE(saved.key(2));
  REQUIRE(saved.key(4));
  CHECK(saved.key(2)->auth_key != saved.key(4)->auth_key);
  REQUIRE(saved.address(2));
  CHECK(saved.address(2)->port == srv.port(2));
  const auto handshakes = perm_keys_made(srv.counters());
  {
    auto cfg = pool_config_for(srv, 1);
    cfg.store = std::make_shared<store::file_session_store>(path);
    auto pool = spawn_dc_pool(*n.sys, cfg);
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
    stop(self, pool);
  }
  CHECK(perm_keys_made(srv.counters()) == handshakes);

  // The same key, exported as a Telethon string and imported into a new pool.
  auto s = store::from_session_data([&] {
    auto d = saved;
    d.main_dc = 2;
    return d;
  }());
  auto imported = store::from_telethon(store::to_telethon(s));
  {
    auto cfg = pool_config_for(srv, 1);
    cfg.auth_keys[imported.dc_id] = imported.auth_key;
    auto pool = spawn_dc_pool(*n.sys, cfg);
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    stop(self, pool);
  }
  CHECK(perm_keys_made(srv.counters()) == handshakes);

  // A corrupt file stops spawn_dc_pool with a clear error.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x5a');
  }
  auto cfg = pool_config_for(srv, 1);
  cfg.store = std::make_shared<store::file_session_store>(path);
  try {
    spawn_dc_pool(*n.sys, cfg);
    FAIL("a corrupt store was accepted");
  } catch (const store::store_error& e) {
    CHECK(e.code() == store::store_errc::bad_checksum);
  }
  ::unlink(path.c_str());
  ::rmdir(tmpl);
}

TEST_CASE("a store that cannot save: listeners are told, requests go on", "[actors][pool][store]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto failing = std::make_shared<failing_store>();
  auto cfg = pool_config_for(srv, 1);
  cfg.store = failing;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  std::vector<frame_event> log;
  auto told = [](const std::vector<frame_event>& l) {
    for (auto& e : l)
      if (e.kind == frame_event_kind::connection_down
          && e.what.find("could not save the session store: ") != std::string::npos
          && e.what.find("disk full (test)") != std::string::npos)
        return true;
    return false;
  };
  CHECK(collect_until(self, log, told));
  CHECK(count_kind(log, frame_event_kind::auth_key_created) == 1);  // the key still reached us
  CHECK(failing->saves >= 1);
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  stop(self, pool);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
}
