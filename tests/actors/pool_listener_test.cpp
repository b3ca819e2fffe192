// Update fan-out: two listeners get every update, a dead one is dropped, a
// slow one gets a gap event (or is unsubscribed) without holding up the
// others.
#include "pool_fixture.hpp"

#include <caf/stateful_actor.hpp>

using namespace pool_test;

namespace {

using release_atom = caf::atom_constant<caf::atom("trelease")>;

// Holds every event unanswered until told to release, then forwards them
// (in arrival order) to the sink and acks them.
struct slow_state {
  std::vector<std::pair<caf::response_promise, frame_event>> held;
  bool released = false;
};

caf::behavior slow_listener(caf::stateful_actor<slow_state>* self, caf::actor sink) {
  return {
    [=](const frame_event& ev) -> caf::result<caf::ok_atom> {
      if (self->state.released) {
        self->send(sink, ev);
        return caf::ok_atom::value;
      }
      auto rp = self->make_response_promise();
      self->state.held.emplace_back(rp, ev);
      return caf::delegated<caf::ok_atom>{};
    },
    [=](release_atom) {
      self->state.released = true;
      auto held = std::move(self->state.held);
      for (auto& [rp, ev] : held) {
        self->send(sink, ev);
        rp.deliver(caf::ok_atom::value);
      }
    },
  };
}

std::vector<uint32_t> update_tags(const std::vector<frame_event>& log, int32_t dc = 2) {
  std::vector<uint32_t> out;
  for (auto& e : log)
    if (e.kind == frame_event_kind::update && e.dc_id == dc)
      out.push_back(update_tag(e.body));
  return out;
}

} // namespace

TEST_CASE("updates reach every listener and a dead listener is removed", "[actors][pool][listen]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  caf::scoped_actor sink_a{*n.sys}, sink_b{*n.sys};
  auto a = n.sys->spawn(forwarding_listener, caf::actor{sink_a});
  auto b = n.sys->spawn(forwarding_listener, caf::actor{sink_b});
  for (auto& l : {a, b})
    self->request(pool, 5s, listen_atom::value, l).receive([](caf::ok_atom) {},
                                                            [](caf::error&) {});
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(srv.push_update(test_update(1), 2) == 1);
  CHECK(srv.push_update(test_update(2), 2) == 1);
  std::vector<frame_event> log_a, log_b;
  auto two = [](auto& l) { return update_tags(l).size() >= 2; };
  REQUIRE(collect_until(sink_a, log_a, two));
  REQUIRE(collect_until(sink_b, log_b, two));
  CHECK(update_tags(log_a) == std::vector<uint32_t>{1, 2});
  CHECK(update_tags(log_b) == std::vector<uint32_t>{1, 2});
  // The connection and key events came too, tagged with the DC.
  CHECK(count_kind(log_a, frame_event_kind::connection_up) == 1);
  CHECK(count_kind(log_a, frame_event_kind::auth_key_created) == 1);
  for (auto& e : log_a)
    CHECK(e.dc_id == 2);

  // a dies: the pool notices (monitor) and b still gets everything.
  self->send_exit(a, caf::exit_reason::kill);
  self->wait_for(a);
  CHECK(srv.push_update(test_update(3), 2) == 1);
  REQUIRE(collect_until(sink_b, log_b, [](auto& l) { return update_tags(l).size() >= 3; }));
  CHECK(update_tags(log_b).back() == 3);
  pool_stats st;
  for (int i = 0; i < 50; ++i) {
    st = stats_of(self, pool);
    if (st.listeners == 1)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(st.listeners == 1);
  CHECK(st.listeners_removed == 1);

  // Unsubscribed: nothing more.
  self->request(pool, 5s, unlisten_atom::value, b).receive([](caf::ok_atom) {},
                                                           [](caf::error&) {});
  CHECK(srv.push_update(test_update(4), 2) == 1);
  std::vector<frame_event> after;
  collect_until(sink_b, after, [](auto& l) { return !update_tags(l).empty(); }, 500ms);
  CHECK(update_tags(after).empty());
  CHECK(stats_of(self, pool).listeners == 0);
  self->send_exit(b, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

TEST_CASE("a slow listener overflows into a gap event and never stalls the others",
          "[actors][pool][listen]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  caf::scoped_actor fast_sink{*n.sys}, slow_sink{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto fast = n.sys->spawn(forwarding_listener, caf::actor{fast_sink});
  auto slow = n.sys->spawn(slow_listener, caf::actor{slow_sink});
  listener_options small;
  small.max_unacked = 2;
  small.max_queued = 3;
  small.on_overflow = listener_overflow::drop_oldest;
  self->request(pool, 5s, listen_atom::value, fast).receive([](caf::ok_atom) {},
                                                            [](caf::error&) {});
  self->request(pool, 5s, listen_atom::value, slow, small)
    .receive([](caf::ok_atom) {}, [](caf::error&) {});

  for (uint32_t t = 1; t <= 10; ++t)
    srv.push_update(test_update(t), 2);
  std::vector<frame_event> fast_log;
  REQUIRE(collect_until(fast_sink, fast_log, [](auto& l) { return update_tags(l).size() >= 10; }));
  CHECK(update_tags(fast_log) == std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});

  // slow held 1 and 2, queued 3 slots' worth, and dropped the oldest of the rest.
  auto st = stats_of(self, pool);
  CHECK(st.events_dropped == 5);
  self->send(slow, release_atom::value);
  std::vector<frame_event> slow_log;
  REQUIRE(collect_until(slow_sink, slow_log, [](auto& l) {
    return update_tags(l).size() >= 5 && count_kind(l, frame_event_kind::gap) >= 1;
  }));
  std::vector<std::string> seq;
  for (auto& e : slow_log) {
    if (e.kind == frame_event_kind::update)
      seq.push_back(std::to_string(update_tag(e.body)));
    else if (e.kind == frame_event_kind::gap)
      seq.push_back("gap" + std::to_string(e.value));
  }
  // The gap comes where events are missing, before the ones that follow it.
  CHECK(seq == std::vector<std::string>{"1", "2", "gap5", "8", "9", "10"});

  // Once caught up, it gets everything again.
  srv.push_update(test_update(11), 2);
  REQUIRE(collect_until(slow_sink, slow_log, [](auto& l) { return update_tags(l).back() == 11; }));
  for (auto& l : {fast, slow})
    self->send_exit(l, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

TEST_CASE("overflow policy unsubscribe removes a stuck listener", "[actors][pool][listen]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  caf::scoped_actor sink{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto stuck = n.sys->spawn(slow_listener, caf::actor{sink});
  listener_options o;
  o.max_unacked = 1;
  o.max_queued = 1;
  o.on_overflow = listener_overflow::unsubscribe;
  self->request(pool, 5s, listen_atom::value, stuck, o).receive([](caf::ok_atom) {},
                                                                 [](caf::error&) {});
  for (uint32_t t = 1; t <= 3; ++t)
    srv.push_update(test_update(t), 2);
  pool_stats st;
  for (int i = 0; i < 100; ++i) {
    st = stats_of(self, pool);
    if (st.listeners == 0)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(st.listeners == 0);
  CHECK(st.listeners_removed == 1);
  self->send_exit(stuck, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

namespace {

// An update of about 64 KiB: the tag, then zeros.
byte_buffer big_update(uint32_t tag) {
  auto b = test_update(tag);
  b.resize(64 * 1024);
  return b;
}

} // namespace

TEST_CASE("a listener's queue is bounded in bytes as well as in events",
          "[actors][pool][listen]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  caf::scoped_actor slow_sink{*n.sys}, gone_sink{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto slow = n.sys->spawn(slow_listener, caf::actor{slow_sink});
  auto gone = n.sys->spawn(slow_listener, caf::actor{gone_sink});
  // Room for 1,000 events by count, but only three 64 KiB updates by bytes.
  listener_options drop;
  drop.max_unacked = 1;
  drop.max_queued = 1000;
  drop.max_queued_bytes = 200 * 1024;
  drop.on_overflow = listener_overflow::drop_oldest;
  auto unsub = drop;
  unsub.on_overflow = listener_overflow::unsubscribe;
  self->request(pool, 5s, listen_atom::value, slow, drop)
    .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->request(pool, 5s, listen_atom::value, gone, unsub)
    .receive([](caf::ok_atom) {}, [](caf::error&) {});

  for (uint32_t t = 1; t <= 10; ++t)
    srv.push_update(big_update(t), 2);
  // slow holds 1, queues the 3 newest that fit, drops the 6 before them;
  // the other listener is removed at its first overflow.
  pool_stats st;
  for (int i = 0; i < 100; ++i) {
    st = stats_of(self, pool);
    if (st.events_dropped >= 6 && st.listeners == 1)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(st.events_dropped == 6);
  CHECK(st.listeners == 1);
  CHECK(st.listeners_removed == 1);
  self->send(slow, release_atom::value);
  std::vector<frame_event> slow_log;
  // CHECK, not REQUIRE: the listeners must still be stopped below, or the
  // actor system waits for them forever.
  CHECK(collect_until(slow_sink, slow_log, [](auto& l) {
    return update_tags(l).size() >= 4 && count_kind(l, frame_event_kind::gap) >= 1;
  }));
  std::vector<std::string> seq;
  for (auto& e : slow_log) {
    if (e.kind == frame_event_kind::update)
      seq.push_back(std::to_string(update_tag(e.body)));
    else if (e.kind == frame_event_kind::gap)
      seq.push_back("gap" + std::to_string(e.value));
  }
  CHECK(seq == std::vector<std::string>{"1", "gap6", "8", "9", "10"});
  for (auto& l : {slow, gone})
    self->send_exit(l, caf::exit_reason::user_shutdown);
  stop(self, pool);
}
