// Known-answer tests: whole encrypted MTProto 2.0 messages from public
// sources, in both directions, through the session's own pieces.
//
// Source of every vector here: grammers (github.com/Lonami/grammers),
// lib/grammers-crypto/src/lib.rs, tests `encrypt_client_data_v2` and
// `decrypt_server_data_v2` (MIT/Apache-2.0). The server packet is a real
// Telegram reply: a msg_container holding new_session_created and a pong.
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

using namespace session_test;

namespace {

// grammers `get_test_auth_key()`: bytes 0, 1, ..., 255.
crypto::auth_key_bytes counting_key() {
  crypto::auth_key_bytes k;
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = uint8_t(i);
  return k;
}

// grammers encrypt_client_data_v2: expected packet.
const uint8_t client_packet_expected[] = {
  50, 209, 88, 110, 164, 87, 223, 200, 168, 23, 41, 212, 109, 181, 64, 25, 162, 191, 215,
  247, 68, 249, 185, 108, 79, 113, 108, 253, 196, 71, 125, 178, 162, 193, 95, 109, 219,
  133, 35, 95, 185, 85, 47, 29, 132, 7, 198, 170, 234, 0, 204, 132, 76, 90, 27, 246, 172,
  68, 183, 155, 94, 220, 42, 35, 134, 139, 61, 96, 115, 165, 144, 153, 44, 15, 41, 117,
  36, 61, 86, 62, 161, 128, 210, 24, 238, 117, 124, 154,
};

// grammers decrypt_server_data_v2: ciphertext, key, plaintext.
const uint8_t server_packet[] = {
  122, 113, 131, 194, 193, 14, 79, 77, 249, 69, 250, 154, 154, 189, 53, 231, 195, 132,
  11, 97, 240, 69, 48, 79, 57, 103, 76, 25, 192, 226, 9, 120, 79, 80, 246, 34, 106, 7,
  53, 41, 214, 117, 201, 44, 191, 11, 250, 140, 153, 167, 155, 63, 57, 199, 42, 93, 154,
  2, 109, 67, 26, 183, 64, 124, 160, 78, 204, 85, 24, 125, 108, 69, 241, 120, 113, 82,
  78, 221, 144, 206, 160, 46, 215, 40, 225, 77, 124, 177, 138, 234, 42, 99, 97, 88, 240,
  148, 89, 169, 67, 119, 16, 216, 148, 199, 159, 54, 140, 78, 129, 100, 183, 100, 126,
  169, 134, 18, 174, 254, 148, 44, 93, 146, 18, 26, 203, 141, 176, 45, 204, 206, 182,
  109, 15, 135, 32, 172, 18, 160, 109, 176, 88, 43, 253, 149, 91, 227, 79, 54, 81, 24,
  227, 186, 184, 205, 8, 12, 230, 180, 91, 40, 234, 197, 109, 205, 42, 41, 55, 78,
};

const uint8_t server_key[256] = {
  93, 46, 125, 101, 244, 158, 194, 139, 208, 41, 168, 135, 97, 234, 39, 184, 164, 199,
  159, 18, 34, 101, 37, 68, 62, 125, 124, 89, 110, 243, 48, 53, 48, 219, 33, 7, 232, 154,
  169, 151, 199, 160, 22, 74, 182, 148, 24, 122, 222, 255, 21, 107, 214, 239, 113, 24,
  161, 150, 35, 71, 117, 60, 14, 126, 137, 160, 53, 75, 142, 195, 100, 249, 153, 126,
  113, 188, 105, 35, 251, 134, 232, 228, 52, 145, 224, 16, 96, 106, 108, 232, 69, 226,
  250, 1, 148, 9, 119, 239, 10, 163, 42, 223, 90, 151, 219, 246, 212, 40, 236, 4, 52,
  215, 23, 162, 211, 173, 25, 98, 44, 192, 88, 135, 100, 33, 19, 199, 150, 95, 251, 134,
  42, 62, 60, 203, 10, 185, 90, 221, 218, 87, 248, 146, 69, 219, 215, 107, 73, 35, 72,
  248, 233, 75, 213, 167, 192, 224, 184, 72, 8, 82, 60, 253, 30, 168, 11, 50, 254, 154,
  209, 152, 188, 46, 16, 63, 206, 183, 213, 36, 146, 236, 192, 39, 58, 40, 103, 75, 201,
  35, 238, 229, 146, 101, 171, 23, 160, 2, 223, 31, 74, 162, 197, 155, 129, 154, 94, 94,
  29, 16, 94, 193, 23, 51, 111, 92, 118, 198, 177, 135, 3, 125, 75, 66, 112, 206, 233,
  204, 33, 7, 29, 151, 233, 188, 162, 32, 198, 215, 176, 27, 153, 140, 242, 229, 205,
  185, 165, 14, 205, 161, 133, 42, 54, 230, 53, 105, 12, 142,
};

const uint8_t server_plaintext[] = {
  252, 130, 106, 2, 36, 139, 40, 253, 96, 242, 196, 130, 36, 67, 173, 104, 1, 240, 193,
  194, 145, 139, 48, 94, 2, 0, 0, 0, 88, 0, 0, 0, 220, 248, 241, 115, 2, 0, 0, 0, 1, 168,
  193, 194, 145, 139, 48, 94, 1, 0, 0, 0, 28, 0, 0, 0, 8, 9, 194, 158, 196, 253, 51, 173,
  145, 139, 48, 94, 24, 168, 142, 166, 7, 238, 88, 22, 252, 130, 106, 2, 36, 139, 40,
  253, 1, 204, 193, 194, 145, 139, 48, 94, 2, 0, 0, 0, 20, 0, 0, 0, 197, 115, 119, 52,
  196, 253, 51, 173, 145, 139, 48, 94, 100, 8, 48, 0, 0, 0, 0, 0, 252, 230, 103, 4, 163,
  205, 142, 233, 208, 174, 111, 171, 103, 44, 96, 192, 74, 63, 31, 212, 73, 14, 81, 246,
};

crypto::auth_key_bytes grammers_server_key() {
  crypto::auth_key_bytes k;
  std::memcpy(k.data(), server_key, k.size());
  return k;
}

// Values read off the plaintext above (little-endian fields).
constexpr uint64_t kat_session_id = 0x68ad432482c4f260ull;
constexpr uint64_t kat_salt = 0xfd288b24026a82fcull;
constexpr uint64_t kat_ping_msg_id = 0x5e308b91ad33fdc4ull;
constexpr int64_t kat_ping_id = 0x300864;
constexpr uint64_t kat_unique_id = 0x1658ee07a68ea818ull;
constexpr int64_t kat_server_time_s = 0x5e308b91;

} // namespace

TEST_CASE("KAT client->server packet with injected padding (grammers)", "[session][kat]") {
  const std::string_view text = "Hello, world! This data should remain secure!";
  // The session's default padding for 45 bytes is 19 bytes, the same length
  // grammers' determine_padding_v2_length picks; grammers' padding is zeros.
  CHECK(padding_size(text.size(), padding_policy{}, 0) == 19);

  packet_cipher pc{counting_key(), packet_cipher::role::client};
  byte_buffer plain(text.begin(), text.end());
  byte_buffer out;
  zero_random zeros;
  pc.seal(plain, zeros, out);
  CHECK(to_hex(out) == to_hex(byte_view{client_packet_expected, sizeof client_packet_expected}));

  // The same with the padding passed explicitly.
  byte_buffer plain2(text.begin(), text.end());
  byte_buffer out2;
  pc.seal_with_padding(plain2, byte_buffer(19, 0), out2);
  CHECK(out2 == out);

  // And the server side opens it back (the plaintext is not a valid MTProto
  // message, so only the crypto layer is compared here).
  crypto::message_cipher mc{counting_key()};
  byte_buffer back;
  mc.decrypt(crypto::direction::client_to_server, out, back);
  CHECK(byte_view{back}.sub(0, text.size()) == byte_view{text});
}

TEST_CASE("KAT server->client packet: open, and re-seal in the server role (grammers)",
          "[session][kat]") {
  const byte_view packet{server_packet, sizeof server_packet};
  packet_cipher client{grammers_server_key(), packet_cipher::role::client};
  auto m = client.open(packet);
  CHECK(to_hex(client.last_plaintext())
        == to_hex(byte_view{server_plaintext, sizeof server_plaintext}));
  CHECK(m.header.salt == kat_salt);
  CHECK(m.header.session_id == kat_session_id);
  CHECK(m.header.msg_id % 2 == 1);
  CHECK(m.body.size() == 88);

  // The test server's direction: sealing the same plaintext with the same
  // padding gives the same bytes.
  packet_cipher server{grammers_server_key(), packet_cipher::role::server};
  const size_t body_end = plaintext_header_size + 88;
  byte_buffer plain(server_plaintext, server_plaintext + body_end);
  byte_buffer out;
  server.seal_with_padding(plain,
                           byte_view{server_plaintext + body_end, sizeof server_plaintext - body_end},
                           out);
  CHECK(to_hex(out) == to_hex(packet));
}

TEST_CASE("KAT whole session: ping out, Telegram's container (new_session_created + pong) in",
          "[session][kat]") {
  // Restore the session grammers had: its session id, salt, and the msg_id
  // just before its ping, at the server's time of that reply.
  session_state st;
  st.auth_key = grammers_server_key();
  st.session_id = kat_session_id;
  st.server_salt = kat_salt;
  st.time_synced = true;
  st.last_msg_id = kat_ping_msg_id - 4;
  manual_clock clock{kat_server_time_s * ns_per_second};
  test_random rnd;
  client_session s{st, clock, rnd};

  s.ping(kat_ping_id);
  byte_buffer out;
  REQUIRE(s.next_packet(out));
  // The server side sees grammers' exact ping message.
  packet_cipher server{grammers_server_key(), packet_cipher::role::server};
  auto sent = server.open(out);
  CHECK(sent.header.msg_id == kat_ping_msg_id);
  CHECK(sent.header.seqno == 1);
  CHECK(sent.header.session_id == kat_session_id);
  CHECK(sent.header.salt == kat_salt);
  CHECK(to_hex(sent.body) == to_hex(serialize(tl::ping{kat_ping_id})));

  std::vector<event> ev;
  s.on_packet(byte_view{server_packet, sizeof server_packet}, ev);
  REQUIRE(ev.size() == 2);
  auto ns = std::get<new_session_event>(ev[0]);
  CHECK(ns.first_msg_id == kat_ping_msg_id);
  CHECK(ns.unique_id == kat_unique_id);
  CHECK(ns.server_salt == kat_salt);
  CHECK(ns.resent == 0);  // the ping is not older than first_msg_id
  auto pong = std::get<pong_event>(ev[1]);
  CHECK(pong.ping_id == kat_ping_id);
  CHECK(pong.ping_msg_id == kat_ping_msg_id);
  // new_session_created has seqno 1 (content-related): one ack pending; the
  // pong (seqno 2) needs none.
  CHECK(s.pending_acks() == 1);
  CHECK(s.pending_requests() == 0);

  // The same packet again: the container's own msg_id is a duplicate, so
  // nothing inside is read; the content-related message is acked again.
  ev.clear();
  s.on_packet(byte_view{server_packet, sizeof server_packet}, ev);
  REQUIRE(ev.size() == 1);
  auto ign = std::get<message_ignored_event>(ev[0]);
  CHECK(ign.reason == ignore_reason::duplicate);
  CHECK(ign.detail == "container");
  CHECK(s.pending_acks() == 2);
}
