// A connection with perfect forward secrecy (connection_config::
// temp_key_lifetime): it binds a temporary key before anything else and runs
// under it; a bind the server refuses ends it with that typed rpc_error; a
// key check (verify_key) is ready only after the server answered under it.
#include "connection_fixture.hpp"
#include "mtsender/transport/crypto/kdf.hpp"

#include <cstring>

using namespace conn_test;

namespace {

crypto::auth_key_bytes key_bytes(const byte_buffer& b) {
  crypto::auth_key_bytes k{};
  std::memcpy(k.data(), b.data(), k.size());
  return k;
}

} // namespace

TEST_CASE("PFS connection: makes the permanent key, binds a temporary one, runs under it",
          "[actors][connection][pfs]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, caf::actor_cast<caf::actor>(self));
  cfg.temp_key_lifetime = std::chrono::seconds(600);
  auto conn = spawn_connection(*n.sys, cfg);
  parent_log log;
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(o.value);
  REQUIRE(wait_event(self, log, frame_event_kind::connection_up));
  auto c = srv.counters(2);
  CHECK(c.handshakes_completed == 2);
  CHECK(c.temp_keys_made == 1);
  CHECK(c.temp_keys_bound == 1);
  // The bind went before any query (none was refused AUTH_KEY_PERM_EMPTY).
  CHECK(c.rpc_errors == 0);
  REQUIRE(log.count(frame_event_kind::auth_key_created) == 1);
  const auto perm = log.events[0].kind == frame_event_kind::auth_key_created
                      ? log.events[0].body
                      : byte_buffer{};
  for (auto& e : log.events)
    if (e.kind == frame_event_kind::connection_up) {
      CHECK(e.value > 500);  // seconds the temporary key has left
      CHECK(e.value <= 600);
    }
  stop(self, conn);
  drain(self, log);
  // The handoff carries the bound temporary session, never the permanent key.
  REQUIRE(!log.handoffs.empty());
  auto& h = log.handoffs.back();
  CHECK(h.temp_key_expires_at != 0);
  CHECK(h.auth_key.size() == 256);
  if (!perm.empty())
    CHECK(h.auth_key != perm);

  // A new connection continues it: no handshake, no bind, same session.
  auto cfg2 = make_config(srv, caf::actor_cast<caf::actor>(self));
  cfg2.temp_key_lifetime = std::chrono::seconds(600);
  cfg2.session = h;
  auto conn2 = spawn_connection(*n.sys, cfg2);
  auto o2 = invoke_one(self, conn2, request_of(nearest_dc_query()));
  CHECK(o2.value);
  CHECK(srv.counters(2).handshakes_completed == 2);
  CHECK(srv.counters(2).temp_keys_bound == 1);
  CHECK(srv.counters(2).new_sessions == 1);
  stop(self, conn2);
}

TEST_CASE("PFS connection: a bind the server refuses ends it with the typed rpc_error",
          "[actors][connection][pfs]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, caf::actor_cast<caf::actor>(self));
  cfg.temp_key_lifetime = std::chrono::seconds(600);
  session_state unknown;  // a permanent key this server never made
  unknown.dc_id = 2;
  unknown.auth_key.assign(256, 0x5a);
  cfg.session = unknown;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  parent_log log;
  // Waits for the session: never sent, so lost without having run.
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(!o.value);
  CHECK(is(o.err, errc::connection_lost));
  REQUIRE(detail_of(o.err));
  CHECK(!detail_of(o.err)->may_have_executed);
  auto reason = wait_down(self, conn, log);
  REQUIRE(is(reason, errc::rpc_failed));
  REQUIRE(detail_of(reason));
  CHECK(detail_of(reason)->rpc.code == 400);
  CHECK(detail_of(reason)->rpc.name == "ENCRYPTED_MESSAGE_INVALID");
  drain(self, log);
  // The parent hears which key the server may not know: the permanent one.
  bool named = false;
  for (auto& e : log.events)
    if (e.kind == frame_event_kind::auth_key_unknown)
      named = static_cast<uint64_t>(e.value) == crypto::auth_key_id(key_bytes(unknown.auth_key));
  CHECK(named);
  CHECK(!log.has(frame_event_kind::connection_up));
  CHECK(srv.counters(2).binds_refused == 1);
  CHECK(srv.counters(2).count(test_dc::help_get_nearest_dc_id) == 0);
}

TEST_CASE("key check (verify_key): ready after a pong under the key, -404 if the server lost it",
          "[actors][connection][pfs]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  session_state made;
  {
    auto conn = spawn_connection(*n.sys, make_config(srv, caf::actor_cast<caf::actor>(self)));
    REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
    stop(self, conn);
    parent_log log;
    drain(self, log);
    REQUIRE(!log.handoffs.empty());
    made = log.handoffs.back();
  }
  SECTION("known key") {
    auto cfg = make_config(srv, caf::actor_cast<caf::actor>(self));
    cfg.session = made;
    cfg.verify_key = true;
    auto conn = spawn_connection(*n.sys, cfg);
    parent_log log;
    REQUIRE(wait_event(self, log, frame_event_kind::connection_up));
    CHECK(srv.counters(2).count(0x7abe77ec) == 1);  // the ping of the check
    CHECK(invoke_one(self, conn, request_of(nearest_dc_query())).value);
    stop(self, conn);
  }
  SECTION("forgotten key") {
    srv.forget_auth_keys(2);
    auto cfg = make_config(srv, caf::actor_cast<caf::actor>(self));
    cfg.session = made;
    cfg.verify_key = true;
    auto conn = spawn_connection(*n.sys, cfg);
    self->monitor(conn);
    parent_log log;
    auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
    CHECK(!o.value);
    auto reason = wait_down(self, conn, log);
    CHECK(is(reason, errc::transport_error));
    drain(self, log);
    CHECK(log.has(frame_event_kind::auth_key_unknown));
    CHECK(!log.has(frame_event_kind::connection_up));
  }
}
