// One update stream per DC through the pool, against the test DC with
// invokeWithoutUpdates honoured: with three connections every pushed update
// reaches a listener once, and when the update connection dies another takes
// the role (listeners hear updates_moved) and updates still arrive once.
#include "mtsender/tests/actors/pool_fixture.hpp"

#include <map>

using namespace pool_test;

namespace {

constexpr uint32_t updates_get_state_id = 0xedd4882a;

byte_buffer updates_state_query() {
  byte_buffer b;
  tl::writer{b}.write_uint32(updates_get_state_id);
  return b;
}

// updates.state#a56c2a3e pts qts date seq unread_count
byte_buffer updates_state() {
  byte_buffer b;
  tl::writer w{b};
  w.write_uint32(0xa56c2a3e);
  for (int i = 0; i < 5; ++i)
    w.write_int32(1);
  return b;
}

std::map<uint32_t, int> update_counts(const std::vector<frame_event>& log) {
  std::map<uint32_t, int> out;
  for (auto& e : log)
    if (e.kind == frame_event_kind::update)
      ++out[update_tag(e.body)];
  return out;
}

bool all_seen(const std::vector<frame_event>& log, uint32_t from, uint32_t to) {
  auto c = update_counts(log);
  for (uint32_t t = from; t < to; ++t)
    if (c[t] == 0)
      return false;
  return true;
}

// Overlapping requests until the DC has `n` live connections.
void open_connections(caf::scoped_actor& self, const dc_pool& pool, size_t n) {
  for (int round = 0; round < 20; ++round) {
    std::vector<rpc_request> reqs;
    for (uint32_t i = 0; i < 12; ++i)
      reqs.push_back(request_of(custom_query(i)));
    for (auto& o : invoke_all(self, pool, 2, std::move(reqs)))
      CHECK(o.value);
    auto st = stats_of(self, pool);
    if (st.dc(2) && st.dc(2)->live_slots >= n)
      return;
  }
  FAIL("the pool did not open " << n << " connections");
}

struct rig {
  node n;
  test_dc::server srv{two_dcs()};   // invokeWithoutUpdates honoured
  dc_pool pool;

  rig() {
    srv.start();
    srv.on(custom_query_id, [](const test_dc::rpc_call&) {
      return test_dc::rpc_reply::result(bool_true()).after(std::chrono::milliseconds(30));
    });
    srv.on(updates_get_state_id, [](const test_dc::rpc_call&) {
      return test_dc::rpc_reply::result(updates_state());
    });
    pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 3));
  }
};

} // namespace

TEST_CASE("three connections, each pushed update reaches a listener once",
          "[actors][pool][updates]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  listen_here(self, t.pool);
  open_connections(self, t.pool, 3);
  // Only the update connection's session subscribed; the others opted out.
  CHECK(t.srv.subscribed_sessions(2).size() == 1);
  for (uint32_t tag = 0; tag < 5; ++tag)
    t.srv.push_update(test_update(tag), 2);
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) { return all_seen(l, 0, 5); }));
  collect_until(self, log, [](auto&) { return false; }, std::chrono::milliseconds(300));
  for (auto& [tag, n] : update_counts(log))
    CHECK(n == 1);
  CHECK(count_kind(log, frame_event_kind::updates_moved) == 0);
  stop(self, t.pool);
}

TEST_CASE("the update role moves when its connection dies", "[actors][pool][updates]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  listen_here(self, t.pool);
  open_connections(self, t.pool, 3);
  auto subscribed = t.srv.subscribed_sessions(2);
  REQUIRE(subscribed.size() == 1);
  const int64_t old_sid = subscribed[0];
  REQUIRE(t.srv.close_connection_of(2, old_sid));
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::updates_moved) == 1;
  }));
  // updates.getState goes to the new update connection, which subscribes.
  auto state = invoke_one(self, t.pool, 2, request_of(updates_state_query()));
  CHECK(state.value);
  auto now_subscribed = t.srv.subscribed_sessions(2);
  CHECK(now_subscribed.size() == 2);   // the old session is still on the server's books
  // The old slot comes back with a new session that opts out.
  open_connections(self, t.pool, 3);
  CHECK(t.srv.subscribed_sessions(2).size() == 2);
  for (uint32_t tag = 10; tag < 15; ++tag)
    t.srv.push_update(test_update(tag), 2);
  REQUIRE(collect_until(self, log, [](auto& l) { return all_seen(l, 10, 15); }));
  collect_until(self, log, [](auto&) { return false; }, std::chrono::milliseconds(300));
  for (auto& [tag, n] : update_counts(log))
    CHECK(n == 1);
  CHECK(count_kind(log, frame_event_kind::updates_moved) == 1);
  stop(self, t.pool);
}
