// The circuit breaker through the real pool: a DC whose server keeps
// dropping connections opens its circuit after `threshold` failures while
// another DC keeps answering; requests to the broken DC are then refused at
// once (never reaching the server), the state shows in pool stats and as
// frame_events, and after the cooldown one probe closes it again once the
// server has recovered.
#include "pool_fixture.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace pool_test;

namespace {

using retry::breaker_state;

uint8_t circuit_of(caf::scoped_actor& self, const dc_pool& pool, int32_t dc) {
  auto st = stats_of(self, pool);
  auto* d = st.dc(dc);
  return d ? d->circuit_state : 255;
}

// Like stray_messages, but late listener events are not answers.
int stray_answers(caf::scoped_actor& self) {
  int n = 0;
  bool more = true;
  while (more)
    self->receive([](frame_event&) {}, [&](caf::message&) { ++n; },
                  caf::after(100ms) >> [&] { more = false; });
  return n;
}

// Ends the pool and the listener when a REQUIRE leaves the test early
// (~actor_system would wait for them forever).
struct exit_on_scope_end {
  std::vector<caf::actor> actors;
  ~exit_on_scope_end() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

std::vector<frame_event> circuit_events(const std::vector<frame_event>& log) {
  std::vector<frame_event> out;
  for (auto& e : log)
    if (e.kind == frame_event_kind::circuit_state)
      out.push_back(e);
  return out;
}

// Keeps invoking help.getNearestDc on one DC from its own thread and actor
// until stopped; Catch checks happen later on the test thread.
class steady_caller {
public:
  steady_caller(caf::actor_system& sys, dc_pool pool, int32_t dc)
    : worker_([this, &sys, pool, dc] { run(sys, pool, dc); }) {}
  ~steady_caller() { stop(); }

  void stop() {
    done_ = true;
    if (worker_.joinable())
      worker_.join();
  }

  struct result {
    int ok = 0;
    int wrong = 0;    // answered with an error or a wrong DC, or answered twice
    std::string first_error;
    int stray = 0;
  };
  result get() {
    std::lock_guard<std::mutex> g{mtx_};
    return res_;
  }
  int ok_so_far() {
    std::lock_guard<std::mutex> g{mtx_};
    return res_.ok;
  }

private:
  void run(caf::actor_system& sys, dc_pool pool, int32_t dc) {
    caf::scoped_actor self{sys};
    while (!done_) {
      auto o = invoke_one(self, pool, dc, request_of(nearest_dc_query(), 10'000));
      {
        std::lock_guard<std::mutex> g{mtx_};
        if (o.answers == 1 && this_dc_of(o) == dc) {
          ++res_.ok;
        } else {
          ++res_.wrong;
          if (res_.first_error.empty())
            res_.first_error = o.value ? "wrong answer" : sys.render(o.err);
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    auto stray = stray_messages(self);
    std::lock_guard<std::mutex> g{mtx_};
    res_.stray = stray;
  }

  std::atomic<bool> done_{false};
  std::mutex mtx_;
  result res_;
  std::thread worker_;
};

} // namespace

TEST_CASE("circuit breaker: a DC that keeps dropping connections opens its circuit, "
          "the other DC keeps working, the circuit closes after recovery",
          "[actors][pool][breaker]") {
  node n;
  auto opts = two_dcs();
  if (std::getenv("BREAKER_DEBUG"))
    opts.log = [](const std::string& l) { fprintf(stderr, "srv: %s\n", l.c_str()); };
  test_dc::server srv{opts};
  std::atomic<bool> slow_answers{false};
  srv.on(custom_query_id, [&](const test_dc::rpc_call&) {
    auto r = test_dc::rpc_reply::result(bool_true());
    return slow_answers ? std::move(r).after(400ms) : r;
  });
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.breaker.threshold = 3;
  cfg.breaker.cooldown = std::chrono::milliseconds(2000);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  exit_on_scope_end guard{{caf::actor_cast<caf::actor>(pool), listener}};

  // Both DCs healthy: auth keys made, circuits closed.
  REQUIRE(invoke_one(self, pool, 2, request_of(custom_query(0))).value);
  REQUIRE(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  CHECK(circuit_of(self, pool, 2) == uint8_t(breaker_state::closed));
  CHECK(circuit_of(self, pool, 4) == uint8_t(breaker_state::closed));

  // DC 4 is called the whole time from here on.
  steady_caller dc4{*n.sys, pool, 4};

  // DC 2 breaks: every answer packet comes half-written and the connection
  // is closed. A request that was sent may have run, so it is not repeated:
  // it fails with connection_lost and counts once against the circuit. A
  // new connection asks for salts first and the server drops it on that
  // answer, so a request routed to it may never leave: then it is sent again
  // on the next connection (safe: it never ran), and each of those attempts
  // counts too. So the circuit (threshold 3) opens within three requests,
  // and the request during which it opened may end as circuit_open.
  test_dc::fault_plan broken;
  broken.bad_answer = test_dc::bad_frame::truncated;
  broken.bad_answer_times = 0;  // every time
  srv.set_faults(broken, 2);
  const auto runs_before = srv.counters(2).count(custom_query_id);
  const auto accepted_before = srv.counters(2).connections_accepted;
  std::vector<frame_event> log;
  auto before_last = std::chrono::steady_clock::now();
  uint32_t failing = 0;
  while (failing < 3 && circuit_of(self, pool, 2) != uint8_t(breaker_state::open)) {
    const uint32_t tag = ++failing;
    INFO("failing request " << tag);
    before_last = std::chrono::steady_clock::now();
    auto o = invoke_one(self, pool, 2, request_of(custom_query(tag), 10'000));
    CHECK(o.answers == 1);
    REQUIRE_FALSE(o.value);
    CHECK((is(o.err, errc::connection_lost) || is(o.err, errc::circuit_open)));
    if (!is(o.err, errc::connection_lost))
      WARN("got " << n.sys->render(o.err));
    REQUIRE(detail_of(o.err));
    CHECK(o.took < 8s);
  }
  CHECK(circuit_of(self, pool, 2) == uint8_t(breaker_state::open));
  // None ran twice (at most once each), and each failure used a new connection.
  CHECK(srv.counters(2).count(custom_query_id) <= runs_before + failing);
  CHECK(srv.counters(2).connections_accepted >= accepted_before + 2);
  REQUIRE(collect_until(self, log, [](auto& l) { return !circuit_events(l).empty(); }));
  const auto opened_seen = std::chrono::steady_clock::now();

  // Open: refused by the pool itself, far inside the 10 s deadline, and
  // the server never sees them.
  const auto at_open = stats_of(self, pool);
  REQUIRE(at_open.dc(2));
  CHECK(at_open.dc(2)->circuit_state == uint8_t(breaker_state::open));
  const auto runs_open = srv.counters(2).count(custom_query_id);
  for (uint32_t tag = 10; tag < 15; ++tag) {
    INFO("request while open " << tag);
    auto o = invoke_one(self, pool, 2, request_of(custom_query(tag), 10'000));
    CHECK(o.answers == 1);
    CHECK_FALSE(o.value);
    CHECK(is(o.err, errc::circuit_open));
    REQUIRE(detail_of(o.err));
    CHECK(detail_of(o.err)->dc_id == 2);
    CHECK(o.took < 500ms);
  }
  // Also when several arrive together.
  {
    std::vector<rpc_request> burst;
    for (uint32_t tag = 20; tag < 30; ++tag)
      burst.push_back(request_of(custom_query(tag), 10'000));
    for (auto& o : invoke_all(self, pool, 2, std::move(burst))) {
      CHECK(o.answers == 1);
      CHECK(is(o.err, errc::circuit_open));
      CHECK(o.took < 1s);
    }
  }
  // All of that happened well inside the cooldown (2 s), or the checks
  // above would have raced with the half-open probe.
  CHECK(std::chrono::steady_clock::now() - opened_seen < 1500ms);
  CHECK(srv.counters(2).count(custom_query_id) == runs_open);
  {
    // Not one refused request was handed to a connection.
    auto st = stats_of(self, pool);
    REQUIRE(st.dc(2));
    REQUIRE(st.dc(4));
    CHECK(st.dc(2)->circuit_state == uint8_t(breaker_state::open));
    CHECK(st.dc(4)->circuit_state == uint8_t(breaker_state::closed));
    CHECK(st.dc(2)->bytes_out == at_open.dc(2)->bytes_out);
    CHECK(st.dc(2)->in_flight == 0);
    CHECK(st.dc(2)->queued == 0);
    CHECK(st.dc(2)->failed == at_open.dc(2)->failed + 5 + 10);
    CHECK(st.dc(4)->failed == 0);
  }

  // The server recovers; once the cooldown is over the circuit is half-open.
  srv.clear_faults(2);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (circuit_of(self, pool, 2) != uint8_t(breaker_state::half_open)
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  REQUIRE(circuit_of(self, pool, 2) == uint8_t(breaker_state::half_open));
  // The circuit opened after before_last: the cooldown has fully passed.
  CHECK(std::chrono::steady_clock::now() - before_last >= 2s);

  // One probe goes out (slow on purpose); a request while it is in flight is
  // still refused at once; the probe's success closes the circuit.
  slow_answers = true;
  const auto runs_probe = srv.counters(2).count(custom_query_id);
  auto probe = self->request(pool, 30s, invoke_atom::value, int32_t{2},
                             request_of(custom_query(100), 10'000));
  auto t_second = std::chrono::steady_clock::now();
  auto second = invoke_one(self, pool, 2, request_of(custom_query(101), 10'000));
  CHECK(second.answers == 1);
  CHECK(is(second.err, errc::circuit_open));
  CHECK(std::chrono::steady_clock::now() - t_second < 1s);
  outcome p;
  probe.receive([&](rpc_response& r) { ++p.answers; p.value = std::move(r); },
                [&](caf::error& e) { ++p.answers; p.err = std::move(e); });
  CHECK(p.answers == 1);
  REQUIRE(p.value);
  if (!p.value)
    WARN("probe: " << n.sys->render(p.err));
  CHECK(p.value->bytes == bool_true());
  CHECK(srv.counters(2).count(custom_query_id) == runs_probe + 1);  // the probe alone
  CHECK(circuit_of(self, pool, 2) == uint8_t(breaker_state::closed));

  // Closed again: requests go through, also several at once.
  slow_answers = false;
  {
    std::vector<rpc_request> after;
    for (uint32_t tag = 200; tag < 210; ++tag)
      after.push_back(request_of(custom_query(tag), 10'000));
    for (auto& o : invoke_all(self, pool, 2, std::move(after))) {
      CHECK(o.answers == 1);
      CHECK(o.value);
      if (!o.value)
        WARN("after recovery: " << n.sys->render(o.err));
    }
  }
  CHECK(srv.counters(2).count(custom_query_id) == runs_probe + 11);

  // Listener saw exactly closed -> open -> half-open -> closed, for DC 2 only.
  REQUIRE(collect_until(self, log, [](auto& l) { return circuit_events(l).size() >= 3; }));
  collect_until(self, log, [](auto&) { return false; }, 200ms);  // nothing more comes
  auto ev = circuit_events(log);
  REQUIRE(ev.size() == 3);
  for (auto& e : ev)
    CHECK(e.dc_id == 2);
  CHECK(ev[0].value == int64_t(breaker_state::open));
  CHECK(ev[0].what == "circuit closed -> open");
  CHECK(ev[1].value == int64_t(breaker_state::half_open));
  CHECK(ev[1].what == "circuit open -> half_open");
  CHECK(ev[2].value == int64_t(breaker_state::closed));
  CHECK(ev[2].what == "circuit half_open -> closed");

  // DC 4 answered every single time, all through.
  dc4.stop();
  auto r4 = dc4.get();
  CHECK(r4.wrong == 0);
  if (r4.wrong)
    WARN("DC 4: " << r4.first_error);
  CHECK(r4.ok >= 10);
  CHECK(r4.stray == 0);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(4));
  CHECK(st.dc(4)->circuit_state == uint8_t(breaker_state::closed));
  CHECK(st.dc(4)->failed == 0);
  CHECK(st.dc(2)->circuit_state == uint8_t(breaker_state::closed));

  self->request(pool, 5s, unlisten_atom::value, listener)
    .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL("unlisten: " << to_string(e)); });
  CHECK(stray_answers(self) == 0);  // no request answered twice
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

TEST_CASE("circuit breaker: a probe whose deadline passes while no connection is up "
          "reopens the circuit instead of blocking the DC",
          "[actors][pool][breaker]") {
  node n;
  auto srv = std::make_unique<test_dc::server>(two_dcs());
  srv->on(custom_query_id,
          [](const test_dc::rpc_call&) { return test_dc::rpc_reply::result(bool_true()); });
  srv->start();
  const uint16_t port2 = srv->port(2);
  auto cfg = pool_config_for(*srv, 1);
  cfg.breaker.threshold = 2;
  cfg.breaker.cooldown = std::chrono::milliseconds(500);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  exit_on_scope_end guard{{caf::actor_cast<caf::actor>(pool), listener}};
  REQUIRE(invoke_one(self, pool, 2, request_of(custom_query(0))).value);

  // Open the circuit: answers cut off twice.
  test_dc::fault_plan broken;
  broken.bad_answer = test_dc::bad_frame::truncated;
  srv->set_faults(broken, 2);
  for (uint32_t tag = 1; tag <= 2; ++tag) {
    auto o = invoke_one(self, pool, 2, request_of(custom_query(tag), 10'000));
    CHECK(o.answers == 1);
    CHECK(is(o.err, errc::connection_lost));
  }
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) { return circuit_events(l).size() == 1; }));

  // Then the DC goes away entirely: connects are refused, nothing gets a
  // connection. Wait for the cooldown and for the pool to see no live slot.
  srv->stop();
  auto wait_for = [&](auto pred) {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (!pred(stats_of(self, pool)) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    return pred(stats_of(self, pool));
  };
  REQUIRE(wait_for([](const pool_stats& s) {
    return s.dc(2) && s.dc(2)->circuit_state == uint8_t(breaker_state::half_open)
           && s.dc(2)->live_slots == 0;
  }));

  // The probe waits in the pool for a connection until its deadline.
  auto probe = invoke_one(self, pool, 2, request_of(custom_query(3), 700));
  CHECK(probe.answers == 1);
  CHECK(is(probe.err, errc::deadline_exceeded));
  CHECK(probe.took >= 600ms);
  // A probe that failed is a transient failure: the circuit is open again
  // (not half-open forever with a probe nobody will ever finish).
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->circuit_state == uint8_t(breaker_state::open));
  auto refused = invoke_one(self, pool, 2, request_of(custom_query(4), 10'000));
  CHECK(is(refused.err, errc::circuit_open));
  CHECK(refused.took < 500ms);

  // The DC comes back on the same port (a restarted server: it knows no
  // key, so the pool makes a new one); after the next cooldown a probe
  // goes out, succeeds and closes the circuit.
  auto opts = two_dcs();
  opts.dcs = {test_dc::dc_endpoint{2, "127.0.0.1", port2}};
  srv = std::make_unique<test_dc::server>(opts);
  srv->on(custom_query_id,
          [](const test_dc::rpc_call&) { return test_dc::rpc_reply::result(bool_true()); });
  srv->start();
  REQUIRE(wait_for([](const pool_stats& s) {
    return s.dc(2) && s.dc(2)->circuit_state == uint8_t(breaker_state::half_open);
  }));
  auto ok = invoke_one(self, pool, 2, request_of(custom_query(5), 10'000));
  CHECK(ok.answers == 1);
  CHECK(ok.value);
  if (!ok.value)
    WARN("probe after restart: " << n.sys->render(ok.err));
  CHECK(circuit_of(self, pool, 2) == uint8_t(breaker_state::closed));
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(6), 10'000)).value);

  REQUIRE(collect_until(self, log, [](auto& l) { return circuit_events(l).size() >= 5; }));
  collect_until(self, log, [](auto&) { return false; }, 200ms);
  auto ev = circuit_events(log);
  // open, half-open, open (the failed probe), then as many more open and
  // half-open turns as connection attempts failed while the DC was down
  // (the breaker counts them; how many fit in the outage is timing), and
  // half-open, closed at the end.
  std::string seen;
  for (auto& e : ev)
    seen += std::to_string(e.value) + " ";
  INFO("circuit states seen: " << seen);
  REQUIRE(ev.size() >= 5);
  REQUIRE(ev.size() % 2 == 1);
  for (size_t i = 0; i < ev.size(); ++i) {
    INFO("event " << i << ": " << ev[i].what);
    CHECK(ev[i].dc_id == 2);
    const auto expected = i + 1 == ev.size() ? breaker_state::closed
                          : i % 2 == 0       ? breaker_state::open
                                             : breaker_state::half_open;
    CHECK(ev[i].value == int64_t(expected));
  }
  self->request(pool, 5s, unlisten_atom::value, listener)
    .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL("unlisten: " << to_string(e)); });
  CHECK(stray_answers(self) == 0);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, pool);
}
