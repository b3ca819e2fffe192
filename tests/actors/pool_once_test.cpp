// At most once across server-side losses: the test server counts how often
// it ran each request (its handler answers late), and the server forgets its
// keys, restarts, forgets its sessions or closes the connections while they
// run. No request may run twice, and none that never ran may fail: every
// request ran exactly once, answered or failed as may-have-run. An answer
// lost to a corrupted frame is asked for again (msg_resend_ans_req).
#include "pool_fixture.hpp"

#include <map>
#include <mutex>

using namespace pool_test;

namespace {

enum class loss { forget_keys, restart, forget_sessions, close_connections };

const char* name_of(loss l) {
  switch (l) {
    case loss::forget_keys: return "forget_keys";
    case loss::restart: return "restart";
    case loss::forget_sessions: return "forget_sessions";
    case loss::close_connections: return "close_connections";
  }
  return "?";
}

struct run_counter {
  std::mutex mtx;
  std::map<uint32_t, int> runs;  // tag -> times the server ran it

  test_dc::rpc_handler handler(std::chrono::milliseconds delay) {
    return [this, delay](const test_dc::rpc_call& call) {
      {
        std::lock_guard<std::mutex> g{mtx};
        ++runs[tag_of(call)];
      }
      return test_dc::rpc_reply::result(bool_true()).after(delay);
    };
  }
  int of(uint32_t tag) {
    std::lock_guard<std::mutex> g{mtx};
    return runs[tag];
  }
};

void run_through(loss kind) {
  node n;
  run_counter counter;
  auto srv = std::make_unique<test_dc::server>(two_dcs());
  srv->on(custom_query_id, counter.handler(800ms));
  srv->start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(*srv, 1));
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  std::vector<frame_event> log;

  // Running on the server (acked, answers due later) when it loses them.
  constexpr uint32_t early = 10, late = 10;
  pending_invokes invokes{self, pool};
  for (uint32_t tag = 0; tag < early; ++tag)
    invokes.send(2, request_of(custom_query(tag), 20'000));
  REQUIRE(server_got(*srv, 2, custom_query_id, early));
  switch (kind) {
    case loss::forget_keys:
      srv->forget_auth_keys(2);
      break;
    case loss::forget_sessions:
      srv->forget_sessions(2);
      break;
    case loss::close_connections:
      srv->close_connections(2);
      break;
    case loss::restart: {
      // A new server on the same ports that knows nothing.
      auto opts = two_dcs();
      opts.dcs = {test_dc::dc_endpoint{2, "127.0.0.1", srv->port(2)},
                  test_dc::dc_endpoint{4, "127.0.0.1", srv->port(4)}};
      srv->stop();
      srv = std::make_unique<test_dc::server>(opts);
      srv->on(custom_query_id, counter.handler(800ms));
      srv->start();
      break;
    }
  }
  // Once the pool saw the connection go (a request written to a connection
  // the server already closed may have been read: that one would rightly
  // fail as may-have-run), more requests: the next connection carries them,
  // and after a key loss the server refuses that connection's packets (-404).
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::connection_down) >= 1;
  }));
  for (uint32_t tag = early; tag < early + late; ++tag)
    invokes.send(2, request_of(custom_query(tag), 20'000));
  auto out = invokes.collect();
  std::this_thread::sleep_for(500ms);  // a stray second run would have arrived by now
  int answered = 0, failed = 0;
  for (uint32_t tag = 0; tag < early + late; ++tag) {
    INFO(name_of(kind) << ", tag " << tag);
    auto& o = out[tag];
    CHECK(o.answers == 1);
    // Exactly once: never twice, and a request that failed must have run
    // (one that never ran is sent again, not failed).
    CHECK(counter.of(tag) == 1);
    if (o.value) {
      ++answered;
    } else {
      ++failed;
      INFO(n.sys->render(o.err));
      CHECK(is(o.err, errc::connection_lost));
      REQUIRE(detail_of(o.err));
      CHECK(detail_of(o.err)->may_have_executed);
    }
  }
  for (uint32_t tag = early; tag < early + late; ++tag)
    CHECK(out[tag].value);  // sent after the loss: answered
  WARN(name_of(kind) << ": " << answered << " answered, " << failed << " failed as may-have-run");
  CHECK(stray_messages(self) == 0);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

} // namespace

TEST_CASE("at most once when the server forgets its auth keys mid-request",
          "[actors][pool][fault][once]") {
  run_through(loss::forget_keys);
}

TEST_CASE("at most once when the server restarts mid-request", "[actors][pool][fault][once]") {
  run_through(loss::restart);
}

TEST_CASE("at most once when the server forgets its sessions mid-request",
          "[actors][pool][fault][once]") {
  run_through(loss::forget_sessions);
}

TEST_CASE("at most once when the server closes the connections mid-request",
          "[actors][pool][fault][once]") {
  run_through(loss::close_connections);
}

TEST_CASE("an answer lost to a corrupted frame is asked for again and delivered",
          "[actors][pool][fault][once]") {
  node n;
  run_counter counter;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, counter.handler(300ms));
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  pending_invokes invokes{self, pool};
  invokes.send(2, request_of(custom_query(7), 15'000));
  REQUIRE(server_got(srv, 2, custom_query_id, 1));
  // The request is acked; the next packet is its answer, which is corrupted:
  // the client drops the connection, the answer never arrives.
  test_dc::fault_plan f;
  f.bad_answer = test_dc::bad_frame::corrupted;
  f.bad_answer_times = 1;
  srv.set_faults(f, 2);
  auto out = invokes.collect();
  REQUIRE(out[0].answers == 1);
  if (out[0].err)
    FAIL("the answer the server generated was not recovered: " << n.sys->render(out[0].err));
  CHECK(out[0].value->bytes == bool_true());
  std::this_thread::sleep_for(300ms);
  CHECK(counter.of(7) == 1);  // run once: its answer came again, it did not run again
  CHECK(srv.counters(2).faults_injected == 1);
  CHECK(srv.counters(2).answers_resent == 1);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->lost_checked == 1);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}
