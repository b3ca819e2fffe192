// invoke_naming_msg_id: a body that names the msg_id of its own message
// (auth.bindTempAuthKey's encrypted_message does) is built at each send with
// that send's msg_id, and always travels alone.
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

namespace {

constexpr uint32_t names_id = 0x0b1d0b1d;

// The body: constructor, then the msg_id it was built for.
byte_buffer naming(uint64_t msg_id) {
  byte_buffer b(12);
  store_le32(b.data(), names_id);
  store_le64(b.data() + 4, msg_id);
  return b;
}

uint64_t named_in(const received& m) { return load_le64(m.body.data() + 4); }

} // namespace

TEST_CASE("a body naming its msg_id carries the msg_id it is sent with, also when resent",
          "[session][pfs]") {
  rig t;
  t.client.invoke(1, fake_object(0x0badf00d));  // queued first: shares no container with it
  t.client.invoke_naming_msg_id(2, naming);
  t.client.invoke(3, fake_object(0x0badf00d));
  auto first = t.flush();
  CHECK(find_body(first, names_id) == nullptr);
  auto p = t.flush();
  REQUIRE(!p.container);
  REQUIRE(p.messages.size() == 1);
  CHECK(named_in(p.messages[0]) == p.header.msg_id);
  auto third = t.flush();
  CHECK(find_body(third, names_id) == nullptr);

  tl::bad_server_salt bss{int64_t(p.header.msg_id), int32_t(p.header.seqno), 48, 99};
  auto ev = t.deliver(t.server.packet(serialize(bss), false));
  CHECK(only<salt_changed_event>(ev).resent == 1);
  auto q = t.flush();
  REQUIRE(q.messages.size() == 1);
  CHECK(q.header.msg_id > p.header.msg_id);
  CHECK(named_in(q.messages[0]) == q.header.msg_id);
}

TEST_CASE("invoke_naming_msg_id refuses what invoke refuses", "[session][pfs]") {
  rig t;
  CHECK_THROWS_AS(t.client.invoke_naming_msg_id(1, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke_naming_msg_id(1, [](uint64_t) { return byte_buffer(3); }),
                  std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke_naming_msg_id(internal_token_base, naming),
                  std::invalid_argument);
}
