// Packets that must close the connection (typed session_error naming the
// failed check), and random input that must never crash, hang or read out of
// bounds (run under ASan/UBSan too).
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

namespace {

session_errc fatal_code(rig& t, byte_view packet) {
  std::vector<event> ev;
  try {
    t.client.on_packet(packet, ev);
  } catch (const session_error& e) {
    CHECK(std::string(e.what()).find(to_string(e.code())) != std::string::npos);
    return e.code();
  }
  FAIL("packet accepted");
  return session_errc::bad_state;
}

byte_buffer plaintext_for(uint64_t session_id, uint64_t msg_id, uint32_t length,
                          size_t body_bytes) {
  byte_buffer plain(plaintext_header_size + body_bytes, 0x42);
  write_plaintext_header(plain.data(), {1, session_id, msg_id, 1, length});
  if (body_bytes >= 4)
    store_le32(plain.data() + plaintext_header_size, 0x74ae4240);
  return plain;
}

} // namespace

TEST_CASE("each security check fails with its own code", "[session][hostile]") {
  rig t;
  const auto good = t.server.packet(fake_object(0x74ae4240));

  // auth_key_id of another key.
  auto other = good;
  other[0] ^= 1;
  CHECK(fatal_code(t, other) == session_errc::wrong_auth_key_id);

  // Lengths: empty, key id only, short, not a multiple of 16.
  CHECK(fatal_code(t, byte_view{}) == session_errc::bad_packet_length);
  CHECK(fatal_code(t, byte_view{good.data(), 8}) == session_errc::bad_packet_length);
  CHECK(fatal_code(t, byte_view{good.data(), 24}) == session_errc::bad_packet_length);
  CHECK(fatal_code(t, byte_view{good.data(), good.size() - 1}) == session_errc::bad_packet_length);
  CHECK(fatal_code(t, byte_view{good.data(), good.size() - 8}) == session_errc::bad_packet_length);

  // Any flipped bit of msg_key or ciphertext.
  for (size_t i = 8; i < good.size(); i += 7) {
    auto bad = good;
    bad[i] ^= 0x10;
    CHECK(fatal_code(t, bad) == session_errc::msg_key_mismatch);
  }
  // A whole 16-byte block cut off: still a multiple of 16, msg_key fails.
  CHECK(fatal_code(t, byte_view{good.data(), good.size() - 16}) == session_errc::msg_key_mismatch);

  // Correctly encrypted, but for another session.
  fake_server other_session{t.key, t.clock};
  other_session.session_id = t.client.session_id() ^ 0xff;
  CHECK(fatal_code(t, other_session.packet(fake_object(1))) == session_errc::wrong_session_id);

  // Correctly encrypted with an even (client-style) msg_id.
  const uint64_t even = msg_id_from_time_ns(t.clock.unix_time_ns()) & ~uint64_t(3);
  CHECK(fatal_code(t, t.server.packet_with_id(even, 1, fake_object(1)))
        == session_errc::even_msg_id);

  const uint64_t id = t.server.next_id();
  const uint64_t sid = t.client.session_id();
  // message_data_length not a multiple of 4, past the end, or huge.
  CHECK(fatal_code(t, t.server.raw(plaintext_for(sid, id, 6, 16), 16))
        == session_errc::bad_message_length);
  CHECK(fatal_code(t, t.server.raw(plaintext_for(sid, id, 64, 16), 16))
        == session_errc::bad_message_length);
  CHECK(fatal_code(t, t.server.raw(plaintext_for(sid, id, 0xfffffff0u, 16), 16))
        == session_errc::bad_message_length);
  // Padding of 8 (below 12) and of 1040 (above 1024).
  CHECK(fatal_code(t, t.server.raw(plaintext_for(sid, id, 8, 8), 8)) == session_errc::bad_padding);
  CHECK(fatal_code(t, t.server.raw(plaintext_for(sid, id, 16, 16), 1040))
        == session_errc::bad_padding);

  // After all that, a good packet still goes through: a failed packet
  // changes no session state.
  std::vector<event> ev;
  t.client.on_packet(t.server.packet(fake_object(0x74ae4240)), ev);
  CHECK(all_of<update_event>(ev).size() == 1);
}

TEST_CASE("padded intermediate tails are stripped before open", "[session][hostile]") {
  rig t;
  auto good = t.server.packet(fake_object(0x74ae4240));
  CHECK(strip_transport_padding(good).size() == good.size());
  auto padded = good;
  for (size_t extra = 1; extra < 16; ++extra) {
    padded.push_back(uint8_t(extra));
    CHECK(strip_transport_padding(padded).size() == good.size());
  }
  std::vector<event> ev;
  t.client.on_packet(strip_transport_padding(padded), ev);
  CHECK(all_of<update_event>(ev).size() == 1);
  CHECK(strip_transport_padding(byte_view{good.data(), 10}).size() == 10);
}

TEST_CASE("random packets never crash the decoder", "[session][hostile][fuzz]") {
  rig t;
  test_random rnd{77};
  const uint64_t key_id = t.server.cipher().key_id();
  byte_buffer packet;
  size_t fatal = 0;
  for (int i = 0; i < 100000; ++i) {
    const size_t len = size_t(rnd.next64() % 300);
    packet.resize(len);
    rnd.fill(packet.data(), len);
    if ((i & 1) && len >= 8)
      store_le64(packet.data(), key_id);  // get past the first check
    std::vector<event> ev;
    try {
      t.client.on_packet(packet, ev);
    } catch (const session_error&) {
      ++fatal;
    }
  }
  CHECK(fatal == 100000);  // a forged msg_key never passes
}

TEST_CASE("random bodies inside authentic packets never crash the session",
          "[session][hostile][fuzz]") {
  // The attacker here knows the key (the worst case): the session parser sees
  // arbitrary bodies, mostly starting with service constructor ids.
  rig t;
  test_random rnd{99};
  const uint32_t ids[] = {
    tl::rpc_result_id, tl::msg_container_id, tl::gzip_packed_id, tl::msg_copy_id,
    tl::pong::id, tl::msgs_ack::id, tl::bad_msg_notification::id, tl::bad_server_salt::id,
    tl::new_session_created::id, tl::future_salts::id, tl::msgs_state_req::id,
    tl::msgs_state_info::id, tl::msgs_all_info::id, tl::msg_detailed_info::id,
    tl::msg_new_detailed_info::id, tl::msg_resend_req::id, tl::destroy_session_ok::id,
    tl::destroy_session_none::id, tl::rpc_error::id, 0x8610baeb, 0x74ae4240,
  };
  // Some requests in flight so answers can match.
  for (uint64_t k = 0; k < 50; ++k)
    t.client.invoke(k, fake_object(0x0badf00d));
  auto sent = t.flush();
  std::vector<uint64_t> our_ids;
  for (auto& m : sent.messages)
    our_ids.push_back(m.msg_id);

  size_t events = 0;
  for (int i = 0; i < 20000; ++i) {
    const size_t words = size_t(rnd.next64() % 24);
    byte_buffer body(4 + 4 * words);
    rnd.fill(body.data(), body.size());
    store_le32(body.data(), ids[rnd.next64() % (sizeof ids / sizeof ids[0])]);
    // Often make the next field one of our msg_ids, a plausible count, or a
    // vector id, so the parsers get deeper.
    if (words >= 2 && rnd.next64() % 2)
      store_le64(body.data() + 4, our_ids[rnd.next64() % our_ids.size()]);
    if (words >= 3 && rnd.next64() % 3 == 0) {
      store_le32(body.data() + 4, tl::vector_id);
      store_le32(body.data() + 8, uint32_t(rnd.next64() % 4));
    }
    const bool content = rnd.next64() % 2;
    std::vector<event> ev;
    try {
      t.client.on_packet(t.server.packet(body, content), ev);
    } catch (const session_error& e) {
      FAIL(std::string("an authentic packet was fatal: ") + e.what());
    }
    events += ev.size();
    // Keep draining output so the state keeps moving.
    if (i % 64 == 0) {
      byte_buffer out;
      while (t.client.next_packet(out))
        out.clear();
    }
  }
  CHECK(events > 0);
}

TEST_CASE("gzip_packed messages of one packet share one inflate budget", "[session][hostile]") {
  // Each gzip_packed alone stays under inflate_cap, but a container of many
  // would inflate to items * cap from one small packet (a zip bomb in parts).
  session_config cfg;
  cfg.inflate_cap = 64 * 1024;
  rig t{cfg};
  const auto update = fake_object(0x11223344, 6000, 0x77);  // ~24 KiB, packs to < 1 KiB
  byte_buffer packed;
  {
    tl::writer w{packed};
    tl::write_gzip_packed(w, update);
  }
  REQUIRE(packed.size() < 1024);
  std::vector<std::pair<byte_buffer, bool>> items(4, {packed, false});
  auto ev = t.deliver(t.server.container(items));
  // Two fit the 64 KiB budget; the third and fourth would pass 72 and 96 KiB.
  auto updates = all_of<update_event>(ev);
  REQUIRE(updates.size() == 2);
  CHECK(updates[0].body == byte_view{update});
  CHECK(updates[1].body == byte_view{update});
  auto ignored = all_of<message_ignored_event>(ev);
  REQUIRE(ignored.size() == 2);
  for (auto& i : ignored) {
    CHECK(i.reason == ignore_reason::malformed);
    CHECK(i.detail.find("cap") != std::string::npos);
  }
  // The budget is per packet: the next packet inflates again.
  CHECK(all_of<update_event>(t.deliver(t.server.packet(packed, false))).size() == 1);
}
