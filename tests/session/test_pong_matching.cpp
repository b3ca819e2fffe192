// A pong event names the ping it answers by the request's own ids, whatever
// ids the server wrote into the pong (found by tests/fuzz/session_fuzz).
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

TEST_CASE("a pong event names the ping it answers and not the ids inside the pong",
          "[session][hostile]") {
  // Found by tests/fuzz/session_fuzz: an rpc_result answering ping 1 whose
  // pong names ping 2 was reported as ping 2's pong, and ping 2's own pong
  // then made a second one (the connection actor matches pongs by ping_id).
  rig t;
  t.client.ping(1);
  t.client.ping(2);
  auto p = t.flush();
  REQUIRE(p.messages.size() == 2);
  const uint64_t first = p.messages[0].msg_id;
  const uint64_t second = p.messages[1].msg_id;
  auto ev = t.deliver(t.server.packet(
    rpc_result_body(first, serialize(tl::pong{int64_t(second), 2}))));
  auto pong = only<pong_event>(ev);
  CHECK(pong.ping_id == 1);
  CHECK(pong.ping_msg_id == first);
  // A bare pong is matched by its msg_id; a wrong ping_id inside does not
  // make it another ping's answer.
  ev = t.deliver(t.server.packet(serialize(tl::pong{int64_t(second), 1}), false));
  pong = only<pong_event>(ev);
  CHECK(pong.ping_id == 2);
  CHECK(pong.ping_msg_id == second);
  CHECK(t.client.pending_requests() == 0);
}
