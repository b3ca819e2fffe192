// What a caller on another node sees when the pool's node goes away.
//
// CAF 0.17 has no "broken promise": a request whose answer can no longer
// come simply times out at the caller's timeout (sec::request_timeout). So
// every request to a remote pool must carry a finite timeout, and these tests
// check that the caller always gets an error within it, never a hang:
//   - the pool's node shuts down: in-flight invokes are answered
//     errc::dropped by the stopping pool; a monitor of the remote pool gets a
//     down_msg; later requests on the stale handle fail within their timeout;
//     remote_actor to the old port fails at once;
//   - the link goes silent (a partition: no FIN, no RST): in-flight and new
//     requests fail with request_timeout at their timeout; with BASP
//     heartbeats on (middleman.heartbeat-interval / connection-timeout) the
//     monitor also learns the node is gone.
#include "remote_fixture.hpp"
#include "tcp_relay.hpp"

#include <caf/system_messages.hpp>

#include <thread>

using namespace remote_test;
using namespace pool_test;

// CAF 0.17.6's BASP broker sends its heartbeat tick to itself with a
// non-anonymous delayed_send(this, ...) (basp_broker.cpp, tick_atom handler):
// a tick that lands after the broker terminated at node shutdown holds a
// strong reference to the broker in the broker's own mailbox, and LSan
// reports the whole BASP broker (every allocation an "Indirect leak") in
// about one run in three of the partition test, the only one that sets
// middleman.heartbeat-interval. Not our leak and nothing we can fix from
// outside CAF: suppress exactly that object (LSan then ignores what is
// reachable from it), for this binary only.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __lsan_default_suppressions() {
  return "leak:spawn_impl<caf::io::basp_broker\n";
}
#endif

namespace {

// Waits until the test server has seen `n` calls of the custom query, so a
// request is known to be in flight (sent, not answered).
bool wait_for_calls(test_dc::server& srv, uint64_t n) {
  for (int i = 0; i < 500; ++i) {
    if (srv.counters().count(custom_query_id) >= n)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

struct timed_error {
  bool answered = false;
  bool got_value = false;
  caf::error err;
  std::chrono::milliseconds took{0};
};

template <class Handle>
timed_error receive_timed(Handle& h, std::chrono::steady_clock::time_point t0) {
  timed_error out;
  h.receive(
    [&](rpc_response&) {
      out.answered = true;
      out.got_value = true;
    },
    [&](caf::error& e) {
      out.answered = true;
      out.err = std::move(e);
    });
  out.took = since(t0);
  return out;
}

// A down_msg for `who` within `limit`, or a default down_msg.
std::optional<caf::down_msg> wait_down(caf::scoped_actor& self, const caf::actor_addr& who,
                                       std::chrono::milliseconds limit) {
  std::optional<caf::down_msg> out;
  auto until = std::chrono::steady_clock::now() + limit;
  while (!out && std::chrono::steady_clock::now() < until)
    self->receive([&](caf::down_msg& dm) {
                    if (dm.source == who)
                      out = std::move(dm);
                  },
                  caf::after(20ms) >> [] {});
  return out;
}

} // namespace

TEST_CASE("the pool's node shuts down: callers on the other node get errors, not hangs",
          "[remote][node-loss]") {
  auto server = std::make_unique<pool_node>();
  server->srv.on(custom_query_id,
                 [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  uint16_t port = server->port;
  caf_node client;
  auto pool = connect_to(client, port);
  caf::scoped_actor self{*client.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  self->monitor(pool);

  // In flight: sent to the server, never answered; the pool would wait 20 s.
  auto t0 = std::chrono::steady_clock::now();
  auto pending =
    self->request(pool, 3s, invoke_atom::value, int32_t{2}, request_of(custom_query(1), 20'000));
  REQUIRE(wait_for_calls(server->srv, 1));
  server->shut_down();
  auto in_flight = receive_timed(pending, t0);
  INFO("in-flight: " << client.sys->render(in_flight.err) << " after " << in_flight.took.count()
                     << " ms");
  REQUIRE(in_flight.answered);
  CHECK_FALSE(in_flight.got_value);
  CHECK(is(in_flight.err, errc::dropped));
  CHECK(in_flight.took < 2s);

  // The pool stopped before its node went: the monitor gets the pool's own
  // reason, or (a race with the BASP connection closing, seen 1 run in 7)
  // remote_link_unreachable.
  auto down = wait_down(self, pool.address(), 3s);
  REQUIRE(down);
  INFO("down reason: " << client.sys->render(down->reason));
  CHECK((down->reason == caf::exit_reason::user_shutdown
         || down->reason == caf::exit_reason::remote_link_unreachable));

  // The stale handle: the request cannot be delivered; the caller's timeout
  // is what ends it.
  auto t1 = std::chrono::steady_clock::now();
  auto late = self->request(pool, 1s, invoke_atom::value, int32_t{2},
                            request_of(nearest_dc_query()));
  auto stale = receive_timed(late, t1);
  INFO("stale handle: " << client.sys->render(stale.err) << " after " << stale.took.count()
                        << " ms");
  REQUIRE(stale.answered);
  CHECK_FALSE(stale.got_value);
  CHECK(stale.err == caf::sec::request_timeout);
  CHECK(stale.took < 1500ms);

  // Nobody listens on the port any more: remote_actor says so at once.
  auto t2 = std::chrono::steady_clock::now();
  auto again = client.sys->middleman().remote_actor<dc_pool>("127.0.0.1", port);
  REQUIRE_FALSE(again);
  INFO("remote_actor: " << client.sys->render(again.error()));
  CHECK(again.error() == caf::sec::cannot_connect_to_node);
  CHECK(since(t2) < 2s);
  CHECK(stray_messages(self) == 0);
}

TEST_CASE("a silent link (partition): requests fail at the caller's timeout", "[remote][node-loss]") {
  link_watch watch{100ms, 1s};   // heartbeats every 100 ms, drop after 1 s of silence
  pool_node server{watch};
  server.srv.on(custom_query_id,
                [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  tcp_relay relay{server.port};
  caf_node client{watch};
  auto pool = connect_to(client, relay.port());
  caf::scoped_actor self{*client.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(relay.accepted() == 1);
  self->monitor(pool);

  auto t0 = std::chrono::steady_clock::now();
  auto pending = self->request(pool, 2s, invoke_atom::value, int32_t{2},
                               request_of(custom_query(1), 20'000));
  REQUIRE(wait_for_calls(server.srv, 1));
  relay.freeze();
  auto frozen_at = std::chrono::steady_clock::now();
  auto late = self->request(pool, 2s, invoke_atom::value, int32_t{2},
                            request_of(nearest_dc_query()));
  auto in_flight = receive_timed(pending, t0);
  auto after = receive_timed(late, t0);
  INFO("in-flight: " << client.sys->render(in_flight.err) << " after " << in_flight.took.count()
                     << " ms; sent after the freeze: " << client.sys->render(after.err)
                     << " after " << after.took.count() << " ms");
  for (auto* r : {&in_flight, &after}) {
    REQUIRE(r->answered);
    CHECK_FALSE(r->got_value);
    CHECK(r->err == caf::sec::request_timeout);
    CHECK(r->took >= 1900ms);
    CHECK(r->took < 3500ms);
  }
  auto down = wait_down(self, pool.address(), 3s);
  REQUIRE(down);
  INFO("down reason: " << client.sys->render(down->reason) << " after "
                       << since(frozen_at).count() << " ms");
  CHECK(down->reason == caf::exit_reason::remote_link_unreachable);
  CHECK(since(frozen_at) < 5s);
  relay.cut();
  CHECK(stray_messages(self) == 0);
}

TEST_CASE("the link closes under a running pool: the monitor knows at once, requests time out",
          "[remote][node-loss]") {
  pool_node server;   // default: no heartbeats
  server.srv.on(custom_query_id,
                [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  tcp_relay relay{server.port};
  caf_node client;
  auto pool = connect_to(client, relay.port());
  caf::scoped_actor self{*client.sys};
  caf::scoped_actor sink{*client.sys};
  auto listener = client.sys->spawn(forwarding_listener, caf::actor{sink});
  self->request(pool, 5s, listen_atom::value, listener)
    .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL(to_string(e)); });
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  self->monitor(pool);
  caf::scoped_actor local{*server.node.sys};   // on the pool's own node
  CHECK(stats_of(local, server.pool).listeners == 1);

  auto t0 = std::chrono::steady_clock::now();
  auto pending = self->request(pool, 2s, invoke_atom::value, int32_t{2},
                               request_of(custom_query(1), 20'000));
  REQUIRE(wait_for_calls(server.srv, 1));
  relay.cut();   // as if the client's or the pool's host died: both ends see the close
  auto cut_at = std::chrono::steady_clock::now();
  auto down = wait_down(self, pool.address(), 1s);
  REQUIRE(down);
  CHECK(down->reason == caf::exit_reason::remote_link_unreachable);
  CHECK(since(cut_at) < 1s);
  // The pool still runs on its node, but its answer has no way back.
  auto in_flight = receive_timed(pending, t0);
  INFO("in-flight: " << client.sys->render(in_flight.err) << " after " << in_flight.took.count()
                     << " ms");
  REQUIRE(in_flight.answered);
  CHECK(in_flight.err == caf::sec::request_timeout);
  CHECK(in_flight.took >= 1900ms);
  CHECK(in_flight.took < 3500ms);
  // A new request on the dead proxy ends at its timeout too.
  auto t1 = std::chrono::steady_clock::now();
  auto late = self->request(pool, 1s, invoke_atom::value, int32_t{2},
                            request_of(nearest_dc_query()));
  auto stale = receive_timed(late, t1);
  INFO("stale: " << client.sys->render(stale.err) << " after " << stale.took.count() << " ms");
  REQUIRE(stale.answered);
  CHECK(stale.err == caf::sec::request_timeout);
  CHECK(stale.took < 1500ms);
  CHECK(stray_messages(self) == 0);

  // The pool's node lost the listener's node: the listener is dropped.
  pool_stats st;
  for (int i = 0; i < 100; ++i) {
    st = stats_of(local, server.pool);
    if (st.listeners == 0)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(st.listeners == 0);
  CHECK(st.listeners_removed == 1);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
}
