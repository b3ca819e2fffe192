// Which sends the server is proven to have accepted: a request counts as
// possibly run after a transport error only if an authenticated server
// message named the packet that carried it or a later one of the same
// connection. And msg_resend_ans_req asks for answers lost on the way.
#include "session_test_support.hpp"

#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

namespace {

constexpr uint32_t api_call = 0x0badf00d;
constexpr uint32_t api_answer = 0x0a0a0a0a;
constexpr uint32_t msg_resend_ans_req_id = 0x8610baeb;

byte_buffer call(uint8_t n) { return fake_object(api_call, 2, n); }

} // namespace

TEST_CASE("a send counts as accepted only once the server names its packet or a later one",
          "[session][accepted]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p1 = t.flush();
  t.client.invoke(2, call(2));
  auto p2 = t.flush();
  t.client.invoke(3, call(3));
  auto p3 = t.flush();
  REQUIRE(find_body(p1, api_call));
  REQUIRE(find_body(p2, api_call));
  const uint64_t m2 = find_body(p2, api_call)->msg_id;
  CHECK_FALSE(t.client.find(1)->accepted);

  // A server message that names nothing of ours proves nothing.
  t.deliver(t.server.packet(fake_object(0x7e57da7a)));
  CHECK_FALSE(t.client.find(1)->accepted);

  // An ack of the second packet: it and every earlier one were read.
  t.deliver(t.server.packet(tl::serialize(tl::msgs_ack{{int64_t(m2)}}), false));
  CHECK(t.client.find(1)->accepted);
  CHECK(t.client.find(2)->accepted);
  CHECK_FALSE(t.client.find(3)->accepted);

  // Sent again (say after bad_server_salt): accepted stays, as a packet
  // that carried it was read.
  CHECK(t.client.resend(1));
  t.flush();
  CHECK(t.client.find(1)->accepted);

  // An answer to the third settles it and proves its packet.
  t.client.invoke(4, call(4));
  auto p4 = t.flush();
  const uint64_t m3 = find_body(p3, api_call)->msg_id;
  t.deliver(t.server.packet(rpc_result_body(m3, fake_object(api_answer))));
  CHECK_FALSE(t.client.find(4)->accepted);
  CHECK(!t.client.find(3));
}

TEST_CASE("request_answers sends msg_resend_ans_req, and a lost answer settles the request",
          "[session][accepted]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  const uint64_t m1 = find_body(p, api_call)->msg_id;
  CHECK(t.client.request_answers({1, 99}) == 1);  // 99: unknown, skipped
  auto q = t.flush();
  auto ask = find_body(q, msg_resend_ans_req_id);
  REQUIRE(ask);
  tl::reader r{ask->body};
  r.read_uint32("constructor");
  CHECK(r.read_vector_header(8) == 1);
  CHECK(uint64_t(r.read_int64("msg_id")) == m1);
  // The server sends the answer again: the request is answered.
  auto ev = t.deliver(t.server.packet(rpc_result_body(m1, fake_object(api_answer))));
  CHECK(only<rpc_result_event>(ev).token == 1);

  // Asked for an answer the server no longer has: it answers as to
  // msgs_state_req, one state per request.
  t.client.invoke(2, call(2));
  auto p2 = t.flush();
  CHECK(t.client.request_answers({2}) == 1);
  auto q2 = t.flush();
  auto ask2 = find_body(q2, msg_resend_ans_req_id);
  REQUIRE(ask2);
  tl::msgs_state_info info;
  info.req_msg_id = int64_t(ask2->msg_id);
  info.info = {4 | 32};
  ev = t.deliver(t.server.packet(tl::serialize(info), false));
  auto st = only<msg_state_event>(ev);
  CHECK(st.token == 2);
  CHECK(st.state.delivery == msg_delivery::received);
  CHECK(t.client.find(2));  // still the caller's to settle
}

TEST_CASE("get_future_salts answered with rpc_error is a refusal, not a malformed message",
          "[session][accepted]") {
  rig t;
  t.client.request_future_salts(32);
  auto p = t.flush();
  auto ask = find_body(p, tl::get_future_salts::id);
  REQUIRE(ask);
  auto ev = t.deliver(t.server.packet(
    rpc_result_body(ask->msg_id, tl::serialize(tl::rpc_error{400, "FUTURE_SALTS_UNSUPPORTED"}))));
  auto fs = only<future_salts_event>(ev);
  CHECK(fs.count == 0);
  CHECK(fs.error_code == 400);
  CHECK(fs.error_message == "FUTURE_SALTS_UNSUPPORTED");
  CHECK(all_of<message_ignored_event>(ev).empty());
}
