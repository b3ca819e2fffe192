// The unencrypted message envelope and msg_id rules.
#include "mtsender/transport/handshake/plain_message.hpp"

#include "sample_auth_key.hpp"
#include "test_support.hpp"

using namespace mtsender;
using namespace mtsender::handshake;
namespace sample = sample_auth_key;

TEST_CASE("plain messages match the published sample layout", "[handshake][plain]") {
  // core.telegram.org/mtproto/samples-auth_key, step 1: req_pq in a plain message.
  auto expected = from_hex(sample::req_pq_message);
  auto body = byte_buffer(expected.begin() + 20, expected.end());
  CHECK(make_plain_message(0x51e57ac42770964a, body) == expected);
  auto msg = read_plain_message(expected);
  CHECK(msg.msg_id == 0x51e57ac42770964a);
  CHECK(msg.body == byte_view{body});

  auto dh_gen = from_hex(sample::dh_gen_ok_message);
  auto m2 = read_plain_message(dh_gen, plain_sender::server);
  CHECK(m2.msg_id == int64_t(0x51E57ACEC5AA3001));
  CHECK(m2.body.size() == 52);
}

TEST_CASE("write_plain_message appends", "[handshake][plain]") {
  byte_buffer out{1, 2, 3};
  write_plain_message(8, byte_view{from_hex("aabbccdd")}, out);
  CHECK(to_hex(out) == "010203" "0000000000000000" "0800000000000000" "04000000" "aabbccdd");
}

TEST_CASE("bad plain messages are refused with bad_plain_message", "[handshake][plain]") {
  auto good = make_plain_message(0x51e57ac42770964c, byte_view{from_hex("01020304")});
  SECTION("shorter than the header") {
    for (size_t n = 0; n < 20; ++n)
      REQUIRE_HANDSHAKE_ERROR(read_plain_message(byte_view{good}.sub(0, n)),
                              handshake_errc::bad_plain_message);
  }
  SECTION("non-zero auth_key_id") {
    good[3] = 1;
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good), handshake_errc::bad_plain_message);
  }
  SECTION("length longer than the data") {
    store_le32(good.data() + 16, 5);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good), handshake_errc::bad_plain_message);
  }
  SECTION("negative length") {
    store_le32(good.data() + 16, 0xfffffffc);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good), handshake_errc::bad_plain_message);
  }
  SECTION("up to 15 bytes of transport padding are allowed, 16 are not") {
    good.resize(good.size() + 15, 0xee);
    CHECK(read_plain_message(good).body.size() == 4);
    good.push_back(0xee);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good), handshake_errc::bad_plain_message);
  }
  SECTION("msg_id residue by sender") {
    CHECK(read_plain_message(good, plain_sender::client).msg_id % 4 == 0);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good, plain_sender::server),
                            handshake_errc::bad_plain_message);
    store_le64(good.data() + 8, 0x51e57ac42770964d);
    CHECK(read_plain_message(good, plain_sender::server).msg_id % 2 == 1);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good, plain_sender::client),
                            handshake_errc::bad_plain_message);
    store_le64(good.data() + 8, 0);
    REQUIRE_HANDSHAKE_ERROR(read_plain_message(good), handshake_errc::bad_plain_message);
  }
}

TEST_CASE("msg_id_clock follows time, residues and strict growth", "[handshake][plain]") {
  msg_id_clock ids;
  // 1373993675.5 s -> seconds in the high half, half of 2^32 in the low half.
  const int64_t t = 1373993675LL * 1000000000 + 500000000;
  auto a = ids.next_client(t);
  CHECK(a == (int64_t(1373993675) << 32 | 0x80000000));
  CHECK(a % 4 == 0);
  auto b = ids.next_client(t);  // same instant: still strictly greater
  CHECK(b > a);
  CHECK(b % 4 == 0);
  auto c = ids.next_client(t - 1000000000);  // clock went back
  CHECK(c > b);
  auto s = ids.next_server(t);
  CHECK(s > c);
  CHECK(s % 4 == 1);
  CHECK(ids.last() == s);
}
