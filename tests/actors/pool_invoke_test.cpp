// The pool against the in-process test server: invokes on two DCs from
// several user actors at once, load spread over up to max_connections
// connections, one handshake per DC, bad requests, stats.
#include "answer_relay.hpp"
#include "pool_fixture.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>

using namespace pool_test;

namespace {

using done_atom = caf::atom_constant<caf::atom("tdone")>;

// A user actor: n invokes, `window` in flight at a time (a new one for each
// answer), then reports (dc, ok, errors, wrong answers).
caf::behavior caller(caf::event_based_actor* self, dc_pool pool, int32_t dc, int n,
                     caf::actor sink) {
  constexpr int window = 8;
  auto counts = std::make_shared<std::array<int, 5>>();  // ok, err, wrong, answered, sent
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [=] {
    ++(*counts)[4];
    auto req = request_of(custom_query(static_cast<uint32_t>(dc)));
    auto next = [=] {
      ++(*counts)[3];
      if ((*counts)[4] < n)
        (*send_one)();
      if ((*counts)[3] == n) {
        self->send(sink, done_atom::value, dc, (*counts)[0], (*counts)[1], (*counts)[2]);
        *send_one = nullptr;  // breaks the self-reference
        self->quit();
      }
    };
    self->request(pool, std::chrono::seconds(30), invoke_atom::value, dc, std::move(req))
      .then(
        [=](rpc_response& r) {
          tl::reader rd{r.bytes};
          // The handler echoes the DC that served the call.
          bool right = r.bytes.size() == 8 && rd.read_uint32("ctor") == 0x7e57ab1e
                       && rd.read_int32("dc") == dc;
          ++(*counts)[right ? 0 : 2];
          next();
        },
        [=](caf::error&) {
          ++(*counts)[1];
          next();
        });
  };
  for (int i = 0; i < window && i < n; ++i)
    (*send_one)();
  return {[](int) {}};
}

} // namespace

TEST_CASE("invokes on two DCs from several actors spread over the connections",
          "[actors][pool]") {
  node n;
  test_dc::server srv{two_dcs()};
  std::mutex mtx;
  std::map<std::pair<int32_t, int64_t>, int> calls_per_session;
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    {
      std::lock_guard<std::mutex> g{mtx};
      ++calls_per_session[{call.dc_id, call.session_id}];
    }
    byte_buffer b;
    tl::writer w{b};
    w.write_uint32(0x7e57ab1e);
    w.write_int32(call.dc_id);
    // Slow enough that requests pile up and the pool opens more connections.
    return test_dc::rpc_reply::result(std::move(b)).after(20ms);
  });
  srv.start();
  auto quiet = pool_config_for(srv, 3);
  quiet.learn_dcs = false;   // exact counts: no help.getConfig of the pool's own
  auto pool = spawn_dc_pool(*n.sys, quiet);
  caf::scoped_actor self{*n.sys};

  constexpr int per_actor = 60;
  for (int32_t dc : {2, 4})
    for (int a = 0; a < 4; ++a)
      n.sys->spawn(caller, pool, dc, per_actor, caf::actor{self});
  int ok = 0, err = 0, wrong = 0, done = 0;
  for (int i = 0; i < 8; ++i)
    self->receive(
      [&](done_atom, int32_t, int o, int e, int w) {
        ok += o;
        err += e;
        wrong += w;
        ++done;
      },
      caf::after(60s) >> [] {});
  CHECK(done == 8);
  CHECK(ok == 8 * per_actor);
  CHECK(err == 0);
  CHECK(wrong == 0);

  auto st = stats_of(self, pool);
  for (int32_t dc : {2, 4}) {
    INFO("DC " << dc);
    auto* d = st.dc(dc);
    REQUIRE(d);
    CHECK(d->answered == 4 * per_actor);
    CHECK(d->live_slots == 3);  // busy: opened up to the cap, never past it
    CHECK(d->in_flight == 0);
    CHECK(d->queued == 0);
    CHECK(d->rtt_median_us >= 20'000);
    CHECK(d->rtt_p99_us >= d->rtt_median_us);
    CHECK(d->bytes_out == 4u * per_actor * 8);
    CHECK(d->bytes_in == 4u * per_actor * 8);
    CHECK(d->auth_keys_created == 1);
    auto c = srv.counters(dc);
    CHECK(perm_keys_made(c) == 1);  // one key per DC, shared by its 3 connections
    CHECK(c.temp_keys_made == 3);   // each runs under its own temporary key (PFS)
    CHECK(c.temp_keys_bound == 3);
    CHECK(c.connections_accepted == 3);
    CHECK(c.bad_server_salts == 0);  // the new connections start with the key's salt
    CHECK(c.count(custom_query_id) == 4u * per_actor);  // nothing ran twice
    // Every connection (one session each) carried part of the load.
    std::lock_guard<std::mutex> g{mtx};
    int sessions = 0;
    for (auto& [k, v] : calls_per_session)
      if (k.first == dc) {
        ++sessions;
        CHECK(v >= 10);
      }
    CHECK(sessions == 3);
  }
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("an idle pool keeps one connection and bad requests fail at once", "[actors][pool]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto quiet = pool_config_for(srv, 3);
  quiet.learn_dcs = false;   // exact counts: no help.getConfig of the pool's own
  auto pool = spawn_dc_pool(*n.sys, quiet);
  caf::scoped_actor self{*n.sys};
  // Sequential requests never make a connection busy: one is enough.
  for (int i = 0; i < 5; ++i)
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->live_slots == 1);
  CHECK(st.dc(4) == nullptr);  // never used
  CHECK(srv.counters(2).connections_accepted == 1);

  auto unknown = invoke_one(self, pool, 99, request_of(nearest_dc_query()));
  CHECK(unknown.answers == 1);
  CHECK(is(unknown.err, errc::unknown_dc));
  REQUIRE(detail_of(unknown.err));
  CHECK(detail_of(unknown.err)->dc_id == 99);
  auto empty = invoke_one(self, pool, 2, request_of(byte_buffer{}));
  CHECK(is(empty.err, errc::invalid_request));
  auto odd = invoke_one(self, pool, 2, request_of(byte_buffer{1, 2, 3}));
  CHECK(is(odd.err, errc::invalid_request));
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("requests wait for a DC that is not up yet, then fail at their deadline",
          "[actors][pool]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto cfg = pool_config_for(srv, 2);
  cfg.dcs.push_back({7, "127.0.0.1", 1});  // nothing listens on port 1
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto start = std::chrono::steady_clock::now();
  auto o = invoke_one(self, pool, 7, request_of(nearest_dc_query(), 800));
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(o.answers == 1);
  CHECK((is(o.err, errc::deadline_exceeded) || is(o.err, errc::connection_failed)));
  CHECK(took < 5s);
  // DC 7 failing does not slow DC 2.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(7));
  CHECK(st.dc(7)->live_slots == 0);
  CHECK(st.dc(7)->reconnects >= 1);
  CHECK(st.dc(7)->reconnect_causes.count("connection_failed") == 1);
  stop(self, pool);
}

TEST_CASE("an IPv6 DC address and obfuscated2 framing through the pool", "[actors][pool]") {
  node n;
  test_dc::server_options o;
  o.rsa_key = test_dc::shared_test_key();
  o.dcs = {test_dc::dc_endpoint{2, "::1", 0}, test_dc::dc_endpoint{4, "127.0.0.1", 0}};
  test_dc::server srv{o};
  srv.start();
  auto cfg = pool_config_for(srv, 2);
  REQUIRE(cfg.dcs.at(0).host == "::1");
  cfg.framing.kind = codec::framing::obfuscated2;
  cfg.framing.inner = codec::framing::padded_intermediate;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  for (int i = 0; i < 3; ++i) {
    CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
    CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  }
  // One key per DC, made over obfuscated2 (the server detects the framing
  // from the first bytes; a mismatch would fail the handshake).
  CHECK(perm_keys_made(srv.counters(2)) == 1);
  CHECK(perm_keys_made(srv.counters(4)) == 1);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

// The pool answers with a mailbox element that holds the response itself
// (actors/deliver_value.hpp); a request that came through a chain of actors
// (CAF's forwarding stages, here the composed actor `relay * pool`) is
// answered along the chain instead. Both reach the caller once.
TEST_CASE("the pool answers directly and through a composed actor's stages", "[actors][pool]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  auto relay = spawn_answer_relay(*n.sys);
  caf::scoped_actor self{*n.sys};
  auto direct = ask<outcome>(self, caf::actor_cast<caf::actor>(pool), invoke_atom::value,
                             int32_t{2}, request_of(nearest_dc_query()));
  CHECK(direct.answers == 1);
  CHECK(this_dc_of(direct) == 2);
  REQUIRE(direct.value);
  auto chain = relay * caf::actor_cast<caf::actor>(pool);
  auto relayed = ask<outcome>(self, chain, invoke_atom::value, int32_t{2},
                              request_of(nearest_dc_query()));
  CHECK(relayed.answers == 1);
  REQUIRE(relayed.value);
  REQUIRE(relayed.value->bytes.size() == direct.value->bytes.size() + 1);
  CHECK(relayed.value->bytes.back() == relay_mark);
  relayed.value->bytes.pop_back();
  CHECK(this_dc_of(relayed) == 2);
  CHECK(stray_messages(self) == 0);
  self->send_exit(chain, caf::exit_reason::user_shutdown);
  self->send_exit(relay, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

// The caller of a request ends before its answer comes: the pool still takes
// the answer (it counts it), drops it with the caller's mailbox, and goes on.
TEST_CASE("an answer whose caller has ended is dropped and the pool goes on", "[actors][pool]") {
  node n;
  test_dc::server srv{two_dcs()};
  std::atomic<int> served{0};
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    ++served;
    byte_buffer b;
    tl::writer w{b};
    w.write_uint32(0x7e57ab1e);
    w.write_int32(call.dc_id);
    return test_dc::rpc_reply::result(std::move(b)).after(500ms);
  });
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;   // exact counts: no help.getConfig of the pool's own
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto answered = [&] { return stats_of(self, pool).dc(2)->answered; };
  const auto before = answered();
  constexpr int calls = 5;
  auto caller = n.sys->spawn([pool](caf::event_based_actor* a) -> caf::behavior {
    for (int i = 0; i < calls; ++i)
      a->request(pool, caf::infinite, invoke_atom::value, int32_t{2},
                 request_of(custom_query(2)))
        .then([](rpc_response&) {}, [](caf::error&) {});
    return {[](int) {}};
  });
  REQUIRE(eventually([&] { return served.load() == calls; }));
  self->send_exit(caller, caf::exit_reason::kill);
  self->wait_for(caller);
  // The answers are still on their way (500 ms): they reach a pool whose
  // caller is gone.
  CHECK(eventually([&] { return answered() == before + calls; }));
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(answered() == before + calls + 1);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}
