// A request lost with a connection, taken over by the next connection of the
// same MTProto session (the pool's pooled_request with lost_session_id and
// lost_msg_id): the new connection asks the server with msgs_state_req and
// sends the request again only if the server never got it.
#include "connection_fixture.hpp"

#include "mtsender/messages/pooled_request.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace conn_test;

namespace {

pooled_request lost_request(byte_buffer body, const error_detail& lost, bool safe = false) {
  pooled_request r;
  r.body = std::make_shared<const byte_buffer>(std::move(body));
  r.options.safe_to_repeat = safe;
  r.lost_session_id = lost.session_id;
  r.lost_msg_id = lost.msg_id;
  return r;
}

outcome invoke_pooled(caf::scoped_actor& self, const connection_actor& conn, pooled_request r) {
  outcome o;
  self->request(conn, 20s, invoke_atom::value, std::move(r))
    .receive([&](rpc_response& v) { ++o.answers; o.value = std::move(v); },
             [&](caf::error& e) { ++o.answers; o.err = std::move(e); });
  return o;
}

connection_stats stats_of(caf::scoped_actor& self, const connection_actor& conn) {
  connection_stats s;
  self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](connection_stats& x) { s = x; }, [&](caf::error&) {});
  return s;
}

// The session the dead connection handed to its parent.
session_state handoff_of(caf::scoped_actor& self) {
  parent_log log;
  drain(self, log, 200ms);
  REQUIRE(log.handoffs.size() == 1);
  return log.handoffs[0];
}

// The detail of a connection_lost that names the lost send.
error_detail lost_detail(const outcome& o) {
  REQUIRE(o.answers == 1);
  REQUIRE(o.err);
  CHECK(is(o.err, errc::connection_lost));
  auto* d = detail_of(o.err);
  REQUIRE(d);
  CHECK(d->may_have_executed);
  CHECK(d->msg_id != 0);
  CHECK(d->msg_id % 4 == 0);
  CHECK(d->session_id != 0);
  return *d;
}

// Answers custom_query at once with boolTrue; returns the count of runs.
std::shared_ptr<std::atomic<int>> answer_and_count(test_dc::server& srv) {
  auto runs = std::make_shared<std::atomic<int>>(0);
  srv.on(custom_query_id, [runs](const test_dc::rpc_call&) {
    ++*runs;
    return test_dc::rpc_reply::result(bool_true());
  });
  return runs;
}

} // namespace

TEST_CASE("a lost request the server never got is sent again by the session's next connection",
          "[actors][connection][resume]") {
  node n;
  test_dc::server srv{dc_options()};
  auto runs = answer_and_count(srv);
  srv.start();
  test_dc::fault_plan f;
  f.lose_query = custom_query_id;  // the server drops the packet unread and closes
  f.lose_query_times = 1;
  srv.set_faults(f);
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  auto lost = lost_detail(invoke_one(self, conn, request_of(custom_query(1))));
  auto session = handoff_of(self);
  CHECK(session.session_id == lost.session_id);

  auto cfg = make_config(srv, self);
  cfg.session = session;
  auto next = spawn_connection(*n.sys, cfg);
  auto o = invoke_pooled(self, next, lost_request(custom_query(1), lost));
  REQUIRE(o.answers == 1);
  if (o.err)
    FAIL("not resent: " << to_string(o.err));
  CHECK(o.value->bytes == bool_true());
  CHECK(*runs == 1);
  auto s = stats_of(self, next);
  CHECK(s.lost_checked == 1);
  CHECK(s.lost_resent == 1);
  CHECK(srv.counters().new_sessions == 1);  // the same session all along
  CHECK(srv.counters().count(custom_query_id) == 1);
  stop(self, next);
}

TEST_CASE("a lost request the server got fails as may-have-run, unless safe to repeat",
          "[actors][connection][resume]") {
  node n;
  test_dc::server srv{dc_options()};
  std::mutex mtx;
  std::map<uint32_t, int> runs;
  // Slow answers: the state check comes back long before them.
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    std::lock_guard<std::mutex> g{mtx};
    ++runs[tag_of(c)];
    return test_dc::rpc_reply::result(bool_true()).after(1500ms);
  });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  auto h1 = self->request(conn, 20s, invoke_atom::value, request_of(custom_query(1)));
  auto h2 = self->request(conn, 20s, invoke_atom::value, request_of(custom_query(2)));
  auto until = std::chrono::steady_clock::now() + 5s;
  while (srv.counters().count(custom_query_id) < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  REQUIRE(srv.counters().count(custom_query_id) == 2);
  srv.close_connections();
  outcome o1, o2;
  h1.receive([&](rpc_response&) { ++o1.answers; }, [&](caf::error& e) { ++o1.answers; o1.err = e; });
  h2.receive([&](rpc_response&) { ++o2.answers; }, [&](caf::error& e) { ++o2.answers; o2.err = e; });
  auto lost1 = lost_detail(o1);
  auto lost2 = lost_detail(o2);
  auto cfg = make_config(srv, self);
  cfg.session = handoff_of(self);

  auto next = spawn_connection(*n.sys, cfg);
  auto r1 = invoke_pooled(self, next, lost_request(custom_query(1), lost1));
  REQUIRE(r1.answers == 1);
  REQUIRE(r1.err);
  CHECK(is(r1.err, errc::connection_lost));
  auto* d = detail_of(r1.err);
  REQUIRE(d);
  CHECK(d->may_have_executed);
  CHECK(d->msg_id == 0);  // settled: nothing left to ask about
  CHECK_THAT(d->what, Catch::Contains("msgs_state_info: received"));
  // Harmless to run again: sent again at once.
  auto r2 = invoke_pooled(self, next, lost_request(custom_query(2), lost2, true));
  REQUIRE(r2.answers == 1);
  CHECK(r2.value);
  std::this_thread::sleep_for(300ms);  // any stray run would have started by now
  std::lock_guard<std::mutex> g{mtx};
  CHECK(runs[1] == 1);
  CHECK(runs[2] == 2);
  auto s = stats_of(self, next);
  CHECK(s.lost_checked == 2);
  CHECK(s.lost_resent == 1);
  stop(self, next);
}

TEST_CASE("a lost request of another session cannot be checked", "[actors][connection][resume]") {
  node n;
  test_dc::server srv{dc_options()};
  auto runs = answer_and_count(srv);
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  error_detail elsewhere;
  elsewhere.session_id = 0x1234567;  // not this connection's session
  elsewhere.msg_id = 0x5f00000000000004;
  auto o = invoke_pooled(self, conn, lost_request(custom_query(1), elsewhere));
  REQUIRE(o.answers == 1);
  REQUIRE(o.err);
  CHECK(is(o.err, errc::connection_lost));
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->may_have_executed);
  CHECK_THAT(detail_of(o.err)->what, Catch::Contains("another session"));
  CHECK(*runs == 0);
  // Safe to repeat: simply sent.
  auto safe = invoke_pooled(self, conn, lost_request(custom_query(2), elsewhere, true));
  CHECK(safe.value);
  CHECK(*runs == 1);
  // The connection is still fine.
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  stop(self, conn);
}
