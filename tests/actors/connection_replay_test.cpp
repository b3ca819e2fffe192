// Replays across a reconnect, end to end: a relay between the connection and
// the test DC records what the server sent on one connection and plays it
// into the session's next connection (same key, same session id). The
// replay window travels in the handoff, so nothing is delivered or applied
// twice: not an update, not a bad_msg_notification 17 that would move the
// clock.
#include "connection_fixture.hpp"

#include "mtsender/tests/support/tcp_relay.hpp"

using namespace conn_test;
using mtsender::test_support::relay_direction;
using mtsender::test_support::tcp_relay;

namespace {

connection_stats stats_of(caf::scoped_actor& self, const connection_actor& conn) {
  connection_stats s;
  self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](connection_stats& x) { s = x; }, [&](caf::error&) {});
  return s;
}

session_state session_of(caf::scoped_actor& self, const connection_actor& conn) {
  session_state s;
  bool got = false;
  self->request(conn, 5s, caf::get_atom::value, handoff_atom::value)
    .receive([&](session_state& x) { s = std::move(x); got = true; }, [&](caf::error&) {});
  REQUIRE(got);
  return s;
}

std::vector<uint32_t> update_tags(const parent_log& log) {
  std::vector<uint32_t> tags;
  for (auto& e : log.events)
    if (e.kind == frame_event_kind::update)
      tags.push_back(update_tag(e.body));
  return tags;
}

// Waits until an update with `tag` reached the parent.
bool wait_update(caf::scoped_actor& self, parent_log& log, uint32_t tag,
                 std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto tags = update_tags(log);
    if (std::find(tags.begin(), tags.end(), tag) != tags.end())
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    drain(self, log, 20ms);
  }
}

// Cuts the connection at the relay and returns the session it handed off.
session_state cut_and_hand_off(caf::scoped_actor& self, tcp_relay& relay, size_t relay_conn,
                               const connection_actor& conn) {
  relay.cut(relay_conn);
  parent_log log;
  wait_down(self, conn, log);
  drain(self, log, 50ms);
  REQUIRE(log.handoffs.size() == 1);
  return log.handoffs[0];
}

} // namespace

TEST_CASE("an update replayed into the session's next connection is not delivered again",
          "[actors][connection][replay]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  tcp_relay relay{srv.port(2)};
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.port = relay.port();

  auto first = spawn_connection(*n.sys, cfg);
  self->monitor(first);
  REQUIRE(invoke_one(self, first, request_of(nearest_dc_query())).value);
  parent_log log;
  CHECK(srv.push_update(test_update(1)) == 1);
  REQUIRE(wait_update(self, log, 1));
  const size_t recorded = relay.frame_count(0, relay_direction::to_client);
  auto session = cut_and_hand_off(self, relay, 0, first);
  CHECK(session.seen_msg_ids.size() >= 3);  // new_session_created, the answer, the update

  cfg.session = session;
  auto next = spawn_connection(*n.sys, cfg);
  REQUIRE(invoke_one(self, next, request_of(nearest_dc_query())).value);
  REQUIRE(relay.connections() == 2);
  const auto ignored_before = stats_of(self, next).messages_ignored;
  // Every encrypted packet the server sent on the first connection, the
  // update among them, played into the second.
  const size_t replayed = relay.replay(0, 1);
  CHECK(replayed >= 2);  // new_session_created and the answer (maybe one container), the update
  CHECK(replayed <= recorded);
  // A fresh update after them: once it is here, the replayed bytes (ahead
  // of it in the same TCP stream) have been read.
  parent_log after;
  CHECK(srv.push_update(test_update(2)) == 1);
  REQUIRE(wait_update(self, after, 2));
  CHECK(update_tags(after) == std::vector<uint32_t>{2});
  CHECK_FALSE(after.has(frame_event_kind::new_session));  // the replayed one neither
  CHECK(stats_of(self, next).messages_ignored >= ignored_before + replayed);
  CHECK(srv.counters().new_sessions == 1);
  stop(self, next);
}

TEST_CASE("a replayed bad_msg_notification 17 does not move the clock of the next connection",
          "[actors][connection][replay][time]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  tcp_relay relay{srv.port(2)};
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.port = relay.port();

  // A key and a session, then the same session with a clock an hour fast:
  // its first message draws a 17 and the connection corrects its offset.
  auto maker = spawn_connection(*n.sys, cfg);
  REQUIRE(invoke_one(self, maker, request_of(nearest_dc_query())).value);
  auto fast = session_of(self, maker);
  stop(self, maker);
  parent_log before;
  drain(self, before, 100ms);  // its events and handoff: not what the cut below hands off
  fast.time_offset_ns += 3600 * int64_t(1'000'000'000);
  fast.time_synced = true;
  cfg.session = fast;
  auto skewed = spawn_connection(*n.sys, cfg);
  self->monitor(skewed);
  REQUIRE(invoke_one(self, skewed, request_of(nearest_dc_query())).value);
  // One 17 per packet sent before the first came back (the request, maybe
  // a salt request or a ping too): each names its own msg_id.
  REQUIRE(stats_of(self, skewed).time_corrections >= 1);
  REQUIRE(relay.connections() == 2);
  auto session = cut_and_hand_off(self, relay, 1, skewed);
  CHECK(std::llabs(session.time_offset_ns - fast.time_offset_ns) > 3000 * int64_t(1'000'000'000));

  cfg.session = session;
  auto next = spawn_connection(*n.sys, cfg);
  REQUIRE(invoke_one(self, next, request_of(nearest_dc_query())).value);
  const int64_t offset = session_of(self, next).time_offset_ns;
  CHECK(relay.replay(1, 2) >= 2);  // the 17 and the answer after it, at least
  // A round trip after the replayed bytes: they have been read by then.
  REQUIRE(invoke_one(self, next, request_of(nearest_dc_query())).value);
  CHECK(stats_of(self, next).time_corrections == 0);
  CHECK(session_of(self, next).time_offset_ns == offset);
  stop(self, next);
}
