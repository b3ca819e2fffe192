// Request prefixes: a wrapper's head (invokeWithLayer + initConnection,
// invokeWithoutUpdates) written in front of a shared body at send time, alone
// and in containers, replaced for a resend, within the packet limit.
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

namespace {

constexpr uint32_t api_answer = 0x0a0a0a0a;

std::shared_ptr<const byte_buffer> shared(byte_buffer b) {
  return std::make_shared<const byte_buffer>(std::move(b));
}

byte_buffer joined(const byte_buffer& a, const byte_buffer& b) {
  byte_buffer out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

} // namespace

TEST_CASE("a prefix goes in front of the shared body, alone and in a container",
          "[session][prefix]") {
  rig t;
  const byte_buffer head = fake_object(0xbf9459b7, 0);   // invokeWithoutUpdates: 4 bytes
  const auto body = shared(fake_object(0x0badf00d, 3, 1));
  t.client.invoke(1, body, shared(head));
  auto p = t.flush();
  REQUIRE(p.messages.size() == 1);
  CHECK(p.messages[0].body == joined(head, *body));
  // The body is still the caller's, untouched.
  CHECK(*body == fake_object(0x0badf00d, 3, 1));
  // Two in a container: each item's length counts its prefix.
  t.client.invoke(2, body, shared(head));
  t.client.invoke(3, body, nullptr);
  auto q = t.flush();
  REQUIRE(q.container);
  REQUIRE(q.messages.size() == 2);
  CHECK(q.messages[0].body == joined(head, *body));
  CHECK(q.messages[1].body == *body);
  // The answer is matched to the token as usual.
  const auto answer = fake_object(api_answer, 2);
  auto ev = t.deliver(t.server.packet(rpc_result_body(q.messages[0].msg_id, answer), true));
  CHECK(only<rpc_result_event>(ev).token == 2);
}

TEST_CASE("set_prefix changes what a resend carries", "[session][prefix]") {
  rig t;
  const byte_buffer init = fake_object(0xda9b0d0d, 5, 9);   // some wrapper head
  const auto body = shared(fake_object(0x0badf00d, 2, 2));
  t.client.invoke(7, body, nullptr);
  auto p = t.flush();
  CHECK(p.messages.at(0).body == *body);
  REQUIRE(t.client.set_prefix(7, shared(init)));
  REQUIRE(t.client.resend(7));
  auto q = t.flush();
  CHECK(q.messages.at(0).body == joined(init, *body));
  CHECK(q.messages.at(0).msg_id != p.messages.at(0).msg_id);
  // Removed again.
  REQUIRE(t.client.set_prefix(7, nullptr));
  REQUIRE(t.client.resend(7));
  CHECK(t.flush().messages.at(0).body == *body);
}

TEST_CASE("bad prefixes are refused", "[session][prefix]") {
  session_config cfg;
  cfg.max_packet_bytes = 1024;
  rig t{cfg};
  const auto body = shared(fake_object(0x0badf00d, 100));   // 404 bytes
  CHECK_THROWS_AS(t.client.invoke(1, body, shared(byte_buffer(6, 0))), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(1, body, shared(byte_buffer(800, 0))), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(1, nullptr, shared(byte_buffer(8, 0))), std::invalid_argument);
  t.client.invoke(1, body, nullptr);
  CHECK_FALSE(t.client.set_prefix(1, shared(byte_buffer(800, 0))));   // over the limit
  CHECK_FALSE(t.client.set_prefix(1, shared(byte_buffer(6, 0))));     // not whole words
  CHECK_FALSE(t.client.set_prefix(99, shared(byte_buffer(8, 0))));    // unknown token
  CHECK(t.client.set_prefix(1, shared(byte_buffer(8, 0))));
  CHECK(t.flush().messages.at(0).body.size() == 8 + body->size());
}
