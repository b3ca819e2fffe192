// Connection init through the pool, against the test DC with Telegram's rules
// on: the client identity in invokeWithLayer(initConnection(...)) around the
// first API request of every new session on every connection and never
// more, one re-init on CONNECTION_NOT_INITED, no double wrapping, and flood
// waits keyed on the method under the wrappers.
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/transport/session/plaintext.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"

#include <map>
#include <mutex>
#include <set>

using namespace pool_test;

namespace {

struct seen_calls {
  std::mutex mu;
  std::map<int64_t, std::vector<bool>> inits_by_session;   // per call: carried the init
  std::vector<tl::init_connection_params> identities;
  std::vector<int32_t> layers;

  void record(const test_dc::rpc_call& c) {
    std::lock_guard<std::mutex> lock{mu};
    inits_by_session[c.session_id].push_back(c.init != nullptr);
    if (c.init) {
      auto copy = *c.init;
      copy.params = {};   // a view into the call
      identities.push_back(copy);
      layers.push_back(c.layer);
    }
  }
};

byte_buffer user_wrapped(byte_view q) {
  tl::init_connection_params p;
  p.api_id = 777;
  p.device_model = "by hand";
  byte_buffer out;
  tl::writer w{out};
  tl::write_invoke_with_layer_header(w, 228);
  tl::write_init_connection(w, p, q);
  return out;
}

bool is_rpc(const outcome& o, const std::string& name) {
  const auto* d = detail_of(o.err);
  return o.err == errc::rpc_failed && d && d->rpc.name == name;
}

} // namespace

TEST_CASE("the pool inits every new session once, with the client identity",
          "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};   // Telegram's rules on
  srv.start();
  seen_calls seen;
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    seen.record(c);
    return test_dc::rpc_reply::result(bool_true()).after(std::chrono::milliseconds(20));
  });
  auto cfg = pool_config_for(srv, 3);
  cfg.identity.api_id = 4242;
  cfg.identity.device_model = "pool test";
  cfg.identity.system_version = "Debian 12";
  cfg.identity.app_version = "9.9";
  cfg.identity.lang_pack = "tdesktop";
  // jsonObject [jsonObjectValue "tz_offset" jsonNumber 3600.0]
  tl::writer pw{cfg.identity.params};
  pw.write_uint32(0x99c1d49d);
  pw.write_vector_header(1);
  pw.write_uint32(0xc0de1bd9);
  pw.write_string("tz_offset");
  pw.write_uint32(0x2be0dfa4);
  pw.write_double(3600.0);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  // Bursts open all three connections; then more requests on the same sessions.
  for (int round = 0; round < 3; ++round) {
    std::vector<rpc_request> reqs;
    for (uint32_t i = 0; i < 12; ++i)
      reqs.push_back(request_of(custom_query(i)));
    for (auto& o : invoke_all(self, pool, 2, std::move(reqs))) {
      CHECK(o.answers == 1);
      CHECK(o.value);
      CHECK_FALSE(o.err);
    }
  }
  // DC 4 too: a connection of its own, its own init.
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  {
    std::lock_guard<std::mutex> lock{seen.mu};
    CHECK(seen.inits_by_session.size() >= 2);
    for (auto& [sid, calls] : seen.inits_by_session) {
      REQUIRE_FALSE(calls.empty());
      // The init rides on the session's first API call, never again.
      CHECK(calls.front());
      CHECK(std::count(calls.begin(), calls.end(), true) == 1);
    }
    for (auto& id : seen.identities) {
      CHECK(id.api_id == 4242);
      CHECK(id.device_model == "pool test");
      CHECK(id.system_version == "Debian 12");
      CHECK(id.app_version == "9.9");
      CHECK(id.lang_pack == "tdesktop");
      CHECK(id.system_lang_code == "en");
      CHECK(id.lang_code == "en");
      CHECK(id.has_params);
    }
    for (auto l : seen.layers)
      CHECK(l == 228);
  }
  // One initConnection per session that made API calls (DC 2's above, and
  // DC 4's), no more; a connection that carried no API call sent none.
  std::lock_guard<std::mutex> lock{seen.mu};
  CHECK(srv.counters().count(tl::init_connection_id) == seen.inits_by_session.size() + 1);
  CHECK(srv.counters().rpc_errors == 0);
  stop(self, pool);
}

TEST_CASE("connections replaced mid-run: no CONNECTION_NOT_INITED reaches a caller",
          "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::result(bool_true()).after(std::chrono::milliseconds(5));
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 2));
  caf::scoped_actor self{*n.sys};
  int ok = 0;
  for (int round = 0; round < 4; ++round) {
    pending_invokes p{self, pool};
    for (uint32_t i = 0; i < 10; ++i)
      p.send(2, request_of(custom_query(i), 0, true));
    // A restart that forgets every session (sessions, inits and all), or one
    // that only drops the connections (the sessions go on).
    if (round % 2 == 0)
      srv.forget_sessions(2);
    else
      srv.close_connections(2);
    for (auto& o : p.collect()) {
      CHECK(o.answers == 1);
      CHECK_FALSE(is_rpc(o, "CONNECTION_NOT_INITED"));
      ok += o.value ? 1 : 0;
    }
    // And after it, on the new connections.
    CHECK(invoke_one(self, pool, 2, request_of(custom_query(99))).value);
  }
  CHECK(ok > 0);
  stop(self, pool);
}

TEST_CASE("CONNECTION_NOT_INITED: the request is sent once more with the init",
          "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  seen_calls seen;
  const bool always = GENERATE(false, true);
  // The second call (an initialized session) is refused as if the server had
  // lost the init; with `always`, every call is.
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    seen.record(c);
    if (always || c.call_number == 2)
      return test_dc::rpc_reply::error(400, "CONNECTION_NOT_INITED");
    return test_dc::rpc_reply::result(bool_true());
  });
  auto cfg = pool_config_for(srv, 1);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto first = invoke_one(self, pool, 2, request_of(custom_query(1)));
  auto second = invoke_one(self, pool, 2, request_of(custom_query(2)));
  std::lock_guard<std::mutex> lock{seen.mu};
  REQUIRE(seen.inits_by_session.size() == 1);
  const auto& calls = seen.inits_by_session.begin()->second;
  if (!always) {
    CHECK(first.value);
    CHECK(second.value);
    // first (init), second (bare, refused), second again (with the init)
    CHECK(calls == std::vector<bool>{true, false, true});
  } else {
    // Resent once, then the error is the caller's.
    CHECK(is_rpc(first, "CONNECTION_NOT_INITED"));
    CHECK(is_rpc(second, "CONNECTION_NOT_INITED"));
    CHECK(calls == std::vector<bool>{true, true, false, true});
  }
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("CONNECTION_NOT_INITED for a request that fits a packet only alone: refused alone, the connection lives on",
          "[actors][pool][init][limits]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  run_counts runs;  // tag -> times the server ran it
  // Tag 2 is refused as if the server had lost the init.
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    const auto tag = tag_of(c);
    runs.note(tag);
    if (tag == 2)
      return test_dc::rpc_reply::error(400, "CONNECTION_NOT_INITED");
    return test_dc::rpc_reply::result(bool_true());
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(invoke_one(self, pool, 2, request_of(custom_query(1))).value);  // the init went

  // Exactly one packet's worth of message data (1 MiB, the header
  // included): it goes bare, but not with the init in front of it.
  auto big = custom_query(2);
  big.resize((size_t{1} << 20) - session::plaintext_header_size, 0);
  auto refused = invoke_one(self, pool, 2, request_of(big));
  REQUIRE(refused.err);
  INFO(n.sys->render(refused.err));
  CHECK(is(refused.err, errc::invalid_request));
  REQUIRE(detail_of(refused.err));
  CHECK(detail_of(refused.err)->what.find("packet limit") != std::string::npos);

  REQUIRE(invoke_one(self, pool, 2, request_of(custom_query(3))).value);
  CHECK(runs.of(2) == 1);  // the bare send; the resend with the init never left
  CHECK(runs.of(3) == 1);
  CHECK(stray_messages(self) == 0);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects == 0);  // the refusal did not take the connection down
  stop(self, pool);
}

TEST_CASE("a request the caller wrapped in initConnection is not wrapped again",
          "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  seen_calls seen;
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    seen.record(c);
    return test_dc::rpc_reply::result(bool_true());
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  // Twice wrapped would be refused by the server (initConnection twice).
  CHECK(invoke_one(self, pool, 2, request_of(user_wrapped(custom_query(1)))).value);
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(2))).value);
  CHECK(invoke_one(self, pool, 2, request_of(user_wrapped(custom_query(3)))).value);
  std::lock_guard<std::mutex> lock{seen.mu};
  REQUIRE(seen.identities.size() == 2);
  CHECK(seen.identities[0].api_id == 777);   // the caller's own
  CHECK(seen.identities[1].api_id == 777);
  CHECK(srv.counters().count(tl::init_connection_id) == 2);
  stop(self, pool);
}

TEST_CASE("a flood wait of one wrapped method does not block another", "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(420, "FLOOD_WAIT_300");   // beyond auto_sleep's threshold
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  auto flooded = invoke_one(self, pool, 2, request_of(user_wrapped(custom_query(1))));
  CHECK(is_rpc(flooded, "FLOOD_WAIT"));
  // Another method, wrapped the same way: not blocked by the remembered wait.
  auto other = invoke_one(self, pool, 2, request_of(user_wrapped(nearest_dc_query())));
  CHECK(this_dc_of(other) == 2);
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  // The flooded method itself, bare or wrapped, is refused at once by the
  // pool (the server sees no new call).
  const auto calls = srv.counters().count(custom_query_id);
  auto again = invoke_one(self, pool, 2, request_of(custom_query(2)));
  CHECK(is_rpc(again, "FLOOD_WAIT"));
  CHECK(srv.counters().count(custom_query_id) == calls);
  stop(self, pool);
}
