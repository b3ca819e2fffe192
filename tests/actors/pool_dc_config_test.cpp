// The live DC table against the test DC: a pool that knows only DC 2 learns
// DC 4 from help.getConfig and calls it; refresh_dc_config; pinned addresses
// stay; the learned table survives a restart through the store; and every
// way help.getConfig can fail ends a request for an unknown DC with a typed
// error naming the DC, never a hang.
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/tests/actors/pool_fixture.hpp"

#include "mtsender/api/Config.hpp"
#include "mtsender/api/DcOption.hpp"
#include "mtsender/api/help/getConfig.hpp"

#include <cstdlib>
#include <unistd.h>

using namespace pool_test;

namespace {

// Only DC 2 of the server, learning on.
pool_config only_dc2(test_dc::server& srv) {
  auto c = pool_config_for(srv, 1);
  c.dcs = {{2, srv.host(2), srv.port(2)}};
  c.learn_dcs = true;
  return c;
}

dc_table_snapshot refresh(caf::scoped_actor& self, const dc_pool& pool, caf::error* err = nullptr,
                          refresh_dc_config r = {}) {
  dc_table_snapshot out;
  self->request(pool, 30s, r).receive([&](dc_table_snapshot& s) { out = std::move(s); },
                                      [&](caf::error& e) {
                                        if (err)
                                          *err = e;
                                        else
                                          FAIL("refresh: " << to_string(e));
                                      });
  return out;
}

const known_dc* find_dc(const dc_table_snapshot& s, int32_t id) {
  for (auto& d : s.dcs)
    if (d.dc_id == id)
      return &d;
  return nullptr;
}

// A config answer listing these options (help.getConfig's shape otherwise).
byte_buffer config_with(std::vector<api::dcOption> opts) {
  api::config c;
  c.this_dc = 2;
  c.me_url_prefix = "https://t.me/";
  for (auto& o : opts)
    c.dc_options.push_back(std::move(o));
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, c);
  return out;
}

api::dcOption option(int32_t id, std::string host, int32_t port) {
  api::dcOption o;
  o.id = id;
  o.ip_address = std::move(host);
  o.port = port;
  return o;
}

std::string what_of(const caf::error& e) {
  const auto* d = detail_of(e);
  return d ? d->what : std::string{};
}

struct temp_dir {
  std::string path;
  temp_dir() {
    char t[] = "/tmp/pool_dcconfXXXXXX";
    REQUIRE(::mkdtemp(t));
    path = t;
  }
  ~temp_dir() { std::system(("rm -rf " + path).c_str()); }
};

} // namespace

TEST_CASE("a pool that knows only DC 2 learns DC 4 from help.getConfig and calls it",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
  caf::scoped_actor self{*n.sys};
  listen_here(self, pool);
  auto o = invoke_one(self, pool, 4, request_of(nearest_dc_query()));
  CHECK(o.answers == 1);
  REQUIRE(o.value);
  CHECK(this_dc_of(o) == 4);
  // One help.getConfig, on DC 2, for both reasons to ask (the first
  // connection and the unknown DC).
  CHECK(srv.counters(2).count(test_dc::help_get_config_id) == 1);
  CHECK(srv.counters(4).count(test_dc::help_get_config_id) == 0);
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::dc_table_changed) == 1;
  }));
  for (auto& e : log)
    if (e.kind == frame_event_kind::dc_table_changed) {
      CHECK(e.dc_id == 2);
      CHECK(e.value == 1);
      CHECK(e.what.find("DC 4 added at 127.0.0.1:" + std::to_string(srv.port(4)))
            != std::string::npos);
    }
  // On request: the same table, nothing new.
  auto s = refresh(self, pool);
  CHECK(s.asked_dc == 2);
  CHECK(s.changed == 0);
  REQUIRE(find_dc(s, 4));
  CHECK(find_dc(s, 4)->port == srv.port(4));
  CHECK(find_dc(s, 4)->learned);
  CHECK_FALSE(find_dc(s, 2)->learned);
  CHECK(srv.counters(2).count(test_dc::help_get_config_id) == 2);
  stop(self, pool);
}

TEST_CASE("a DC missing from help.getConfig is unknown_dc naming it, and learning can be off",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  {
    auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
    auto o = invoke_one(self, pool, 7, request_of(nearest_dc_query()));
    CHECK(o.answers == 1);
    CHECK(o.err == errc::unknown_dc);
    CHECK(detail_of(o.err)->dc_id == 7);
    CHECK(what_of(o.err) == "no address known for DC 7: help.getConfig on DC 2 does not list it");
    CHECK(srv.counters(2).count(test_dc::help_get_config_id) == 1);
    CHECK(stray_messages(self) == 0);
    stop(self, pool);
  }
  {
    auto cfg = only_dc2(srv);
    cfg.learn_dcs = false;
    auto pool = spawn_dc_pool(*n.sys, cfg);
    auto o = invoke_one(self, pool, 4, request_of(nearest_dc_query()));
    CHECK(o.err == errc::unknown_dc);
    CHECK(what_of(o.err) == "no address known for DC 4");
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    CHECK(srv.counters(2).count(test_dc::help_get_config_id) == 1);   // not asked again
    stop(self, pool);
  }
}

TEST_CASE("help.getConfig failing: requests for an unknown DC get unknown_dc with the cause",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(test_dc::help_get_config_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(400, "CONFIG_BROKEN");
  });
  auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
  caf::scoped_actor self{*n.sys};
  pending_invokes p{self, pool};
  p.send(4, request_of(nearest_dc_query()));
  p.send(4, request_of(nearest_dc_query()));
  auto out = p.collect();
  for (auto& o : out) {
    CHECK(o.answers == 1);
    CHECK(o.err == errc::unknown_dc);
    CHECK(detail_of(o.err)->dc_id == 4);
    CHECK(what_of(o.err).find("no address known for DC 4, and help.getConfig on DC 2 failed")
          == 0);
    CHECK(what_of(o.err).find("rpc_failed") != std::string::npos);
  }
  caf::error err;
  refresh(self, pool, &err);
  CHECK(err == errc::rpc_failed);
  CHECK(detail_of(err)->rpc.name == "CONFIG_BROKEN");
  CHECK(stray_messages(self) == 0);
  // The pool still works for the DC it knows.
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  stop(self, pool);
}

TEST_CASE("help.getConfig never answered: the waiting request fails at dc_config_deadline",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(test_dc::help_get_config_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  auto cfg = only_dc2(srv);
  cfg.dc_config_deadline = 1500ms;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto o = invoke_one(self, pool, 4, request_of(nearest_dc_query()));
  CHECK(o.answers == 1);
  CHECK(o.err == errc::unknown_dc);
  CHECK(what_of(o.err).find("help.getConfig on DC 2 failed") != std::string::npos);
  CHECK(what_of(o.err).find("deadline_exceeded") != std::string::npos);
  CHECK(o.took >= 1400ms);
  CHECK(o.took < 20s);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a request waiting for help.getConfig gets dropped when the pool shuts down",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(test_dc::help_get_config_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
  caf::scoped_actor self{*n.sys};
  pending_invokes p{self, pool};
  p.send(4, request_of(nearest_dc_query()));
  REQUIRE(server_got(srv, 2, test_dc::help_get_config_id, 1));
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  auto out = p.collect();
  CHECK(out[0].answers == 1);
  CHECK(out[0].err == errc::dropped);
  CHECK(what_of(out[0].err).find("DC 4") != std::string::npos);
  self->wait_for(pool);
}

TEST_CASE("a pinned address is never replaced by a learned one, an unpinned one is",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  const int32_t dead_port = 1;   // nothing listens there
  srv.on(test_dc::help_get_config_id, [&](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::result(config_with(
      {option(2, "127.0.0.1", dead_port), option(4, "127.0.0.1", srv.port(4))}));
  });
  caf::scoped_actor self{*n.sys};
  {
    auto cfg = only_dc2(srv);
    cfg.pin_configured_dcs = true;
    auto pool = spawn_dc_pool(*n.sys, cfg);
    auto s = refresh(self, pool);
    CHECK(s.changed == 1);   // DC 4 only
    REQUIRE(find_dc(s, 2));
    CHECK(find_dc(s, 2)->port == srv.port(2));
    CHECK(find_dc(s, 2)->pinned);
    // New connections to DC 2 still use the configured address.
    self->request(pool, 30s, reconnect_request{2})
      .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL("reconnect: " << to_string(e)); });
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
    stop(self, pool);
  }
  {
    auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));   // not pinned (the default)
    auto s = refresh(self, pool);
    CHECK(s.changed == 2);
    REQUIRE(find_dc(s, 2));
    CHECK(find_dc(s, 2)->port == dead_port);
    CHECK(find_dc(s, 2)->learned);
    CHECK_FALSE(find_dc(s, 2)->pinned);
    stop(self, pool);
  }
}

TEST_CASE("the learned DC table survives a restart through the store",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  temp_dir dir;
  const std::string path = dir.path + "/app.session";
  caf::scoped_actor self{*n.sys};
  {
    auto cfg = only_dc2(srv);
    cfg.store = std::make_shared<store::file_session_store>(path);
    auto pool = spawn_dc_pool(*n.sys, cfg);
    CHECK(refresh(self, pool).changed == 1);
    stop(self, pool);
  }
  // Saved by the store's own thread, which ends with the pool.
  store::session_data d;
  auto until = std::chrono::steady_clock::now() + 5s;
  do {
    try {
      d = store::file_session_store{path}.load();
    } catch (const std::exception&) {
    }
    if (d.address(4))
      break;
    std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < until);
  REQUIRE(d.address(4));
  CHECK(d.address(4)->host == "127.0.0.1");
  CHECK(d.address(4)->port == srv.port(4));
  // A new pool that may not learn knows DC 4 from the store alone.
  auto cfg = only_dc2(srv);
  cfg.learn_dcs = false;
  cfg.store = std::make_shared<store::file_session_store>(path);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  CHECK(srv.counters(2).count(test_dc::help_get_config_id) == 1);
  stop(self, pool);
}

TEST_CASE("USER_MIGRATE to a DC only help.getConfig knows: learned, followed, home moved",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call& c) {
    if (c.dc_id == 2)
      return test_dc::rpc_reply::error(303, "USER_MIGRATE_4");
    return test_dc::rpc_reply::result(bool_true());
  });
  caf::scoped_actor self{*n.sys};
  auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
  auto o = invoke_one(self, pool, 0, request_of(custom_query(1)));
  CHECK(o.answers == 1);
  REQUIRE(o.value);
  CHECK(o.value->bytes == bool_true());
  CHECK(srv.counters(4).count(custom_query_id) == 1);
  // DC 0 is DC 4 now.
  CHECK(this_dc_of(invoke_one(self, pool, 0, request_of(nearest_dc_query()))) == 4);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a migration to a DC help.getConfig does not list: the caller gets the migrate error",
          "[actors][pool][dc_config]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(303, "USER_MIGRATE_9");
  });
  caf::scoped_actor self{*n.sys};
  auto pool = spawn_dc_pool(*n.sys, only_dc2(srv));
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1)));
  CHECK(o.answers == 1);
  CHECK(o.err == errc::rpc_failed);
  CHECK(detail_of(o.err)->rpc.name == "USER_MIGRATE");
  CHECK(srv.counters(2).count(test_dc::help_get_config_id) >= 1);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a tcpo_only option is reached through obfuscated2 with its secret",
          "[actors][pool][dc_config]") {
  node n;
  auto o = two_dcs();
  int128 secret;
  secret.fill(0x5c);
  o.proxy_secret = secret;   // obfuscated2 connections must use it
  test_dc::server srv{o};
  srv.start();
  const bool right_secret = GENERATE(true, false);
  srv.on(test_dc::help_get_config_id, [&](const test_dc::rpc_call&) {
    auto dc4 = option(4, "127.0.0.1", srv.port(4));
    dc4.tcpo_only = true;
    dc4.secret = byte_buffer(16, right_secret ? 0x5c : 0x11);
    return test_dc::rpc_reply::result(config_with({dc4}));
  });
  auto cfg = only_dc2(srv);   // plain intermediate framing for DC 2
  cfg.unreachable_after = 2;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto s = refresh(self, pool);
  REQUIRE(find_dc(s, 4));
  CHECK(find_dc(s, 4)->obfuscated_only);
  auto r = invoke_one(self, pool, 4, request_of(nearest_dc_query(), 5000));
  CHECK(r.answers == 1);
  if (right_secret) {
    CHECK(this_dc_of(r) == 4);
  } else {
    // The server cannot read a header made with another secret: never up.
    CHECK_FALSE(r.value);
    CHECK((r.err == errc::connection_failed || r.err == errc::deadline_exceeded));
  }
  // DC 2 still speaks plain framing.
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  stop(self, pool);
}
