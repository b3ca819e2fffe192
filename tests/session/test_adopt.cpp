// Requests lost with an earlier connection of the same session: adopt() takes
// them over under their old msg_id, so the server can be asked about them
// (msgs_state_req) before anything is sent twice; shared bodies are sent
// without a copy.
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace session_test;

namespace {

constexpr uint32_t api_call = 0x0badf00d;
constexpr uint32_t api_answer = 0x0a0a0a0a;

byte_buffer call(uint8_t n) { return fake_object(api_call, 2, n); }

std::shared_ptr<const byte_buffer> shared_call(uint8_t n) {
  return std::make_shared<const byte_buffer>(call(n));
}

// Sends two requests, then drops them from the session as a dying
// connection would; returns their msg_ids.
std::pair<uint64_t, uint64_t> lose_two(rig& t) {
  t.client.invoke(1, call(1));
  t.client.invoke(2, call(2));
  auto p = t.flush();
  REQUIRE(p.messages.size() == 2);
  CHECK(t.client.forget(1));
  CHECK(t.client.forget(2));
  return {p.messages[0].msg_id, p.messages[1].msg_id};
}

// Adopts both as tokens 11 and 12 and asks the server about them.
state_question adopt_and_ask(rig& t, uint64_t m1, uint64_t m2) {
  t.client.adopt(11, shared_call(1), m1);
  t.client.adopt(12, shared_call(2), m2);
  CHECK(t.client.queued_messages() == 0);  // adopted requests are not sent again
  CHECK(t.client.request_state({11, 12}) == 2);
  auto q = t.flush();
  CHECK(find_body(q, api_call) == nullptr);
  return state_question_in(q);
}

} // namespace

TEST_CASE("adopt: the state is asked, only what the server never got is resent",
          "[session][adopt]") {
  rig t;
  auto [m1, m2] = lose_two(t);
  auto q = adopt_and_ask(t, m1, m2);
  CHECK(t.client.find(11)->msg_id == m1);
  CHECK(t.client.find(11)->sent);
  REQUIRE(q.about.size() == 2);
  CHECK(q.about[0] == m1);
  CHECK(q.about[1] == m2);

  auto ev = t.deliver(t.server.packet(state_answer(q, {4 | 32, 2}), true));
  auto st = all_of<msg_state_event>(ev);
  REQUIRE(st.size() == 2);
  CHECK(st[0].token == 11);
  CHECK(st[0].state.delivery == msg_delivery::received);
  CHECK_FALSE(st[0].state.safe_to_resend());
  CHECK(st[1].token == 12);
  CHECK(st[1].state.safe_to_resend());

  // The one never received goes out again under a new msg_id.
  CHECK(t.client.resend(12));
  auto s = t.flush();
  REQUIRE(s.messages.size() >= 1);
  auto again = find_body(s, api_call);
  REQUIRE(again);
  CHECK(again->body == call(2));
  CHECK(again->msg_id != m2);
  CHECK(again->msg_id > m2);

  // The answer to the old msg_id of the received one still settles it.
  ev = t.deliver(t.server.packet(rpc_result_body(m1, fake_object(api_answer))));
  auto res = only<rpc_result_event>(ev);
  CHECK(res.token == 11);
  CHECK(!t.client.find(11));
}

TEST_CASE("adopt: new_session_created does not resend an adopted request",
          "[session][adopt]") {
  rig t;
  auto [m1, m2] = lose_two(t);
  t.client.adopt(11, shared_call(1), m1);
  t.client.invoke(3, call(3));
  auto p3 = t.flush();
  REQUIRE(p3.messages.size() == 1);
  // A new session that starts after both: the plain request is sent again,
  // the adopted one waits for its state answer (the old session may have run it).
  tl::new_session_created nsc{int64_t(p3.header.msg_id + 4), 0x1, 0x5a17};
  auto ev = t.deliver(t.server.packet(serialize(nsc), true));
  CHECK(only<new_session_event>(ev).resent == 1);
  auto q = t.flush();
  CHECK(find_body(q, api_call)->body == call(3));
  CHECK(t.client.find(11)->msg_id == m1);
  (void)m2;
}

TEST_CASE("adopt refuses what it cannot take over", "[session][adopt]") {
  rig t;
  auto [m1, m2] = lose_two(t);
  CHECK_THROWS_AS(t.client.adopt(11, shared_call(1), 0), std::invalid_argument);
  CHECK_THROWS_AS(t.client.adopt(11, shared_call(1), m1 + 1), std::invalid_argument);
  CHECK_THROWS_AS(t.client.adopt(11, nullptr, m1), std::invalid_argument);
  CHECK_THROWS_AS(t.client.adopt(internal_token_base, shared_call(1), m1),
                  std::invalid_argument);
  t.client.adopt(11, shared_call(1), m1);
  CHECK_THROWS_AS(t.client.adopt(11, shared_call(2), m2), std::invalid_argument);  // token
  CHECK_THROWS_AS(t.client.adopt(12, shared_call(2), m1), std::invalid_argument);  // msg_id
  CHECK(t.client.pending_requests() == 1);
}

TEST_CASE("a short msgs_state_info leaves the rest undecided, never unanswered",
          "[session][adopt]") {
  rig t;
  auto [m1, m2] = lose_two(t);
  auto q = adopt_and_ask(t, m1, m2);
  REQUIRE(q.msg_id != 0);
  auto st = all_of<msg_state_event>(t.deliver(t.server.packet(state_answer(q, {2}), true)));
  REQUIRE(st.size() == 2);
  CHECK(st[0].state.safe_to_resend());
  CHECK(st[1].token == 12);
  CHECK(st[1].state.delivery == msg_delivery::invalid);
  CHECK_FALSE(st[1].state.safe_to_resend());
}

TEST_CASE("a shared body is sent as it is, alone or in a container", "[session][adopt]") {
  rig t;
  auto body = shared_call(7);
  t.client.invoke(1, body);
  auto p = t.flush();
  REQUIRE(p.messages.size() == 1);
  CHECK(p.messages[0].body == *body);
  t.client.invoke(2, shared_call(8));
  t.client.invoke(3, call(9));
  auto q = t.flush();
  REQUIRE(q.messages.size() == 2);
  CHECK(q.messages[0].body == call(8));
  CHECK(q.messages[1].body == call(9));
  CHECK_THROWS_AS(t.client.invoke(4, std::shared_ptr<const byte_buffer>{}),
                  std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(5, std::make_shared<const byte_buffer>(byte_buffer(6))),
                  std::invalid_argument);
}
