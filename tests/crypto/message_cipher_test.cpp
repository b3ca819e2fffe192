#include "mtsender/transport/crypto/message_cipher.hpp"

#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::crypto;
using mtsender::test::counting;

namespace {

// grammers (github.com/Lonami/grammers) lib/grammers-crypto/src/lib.rs at
// commit 04d95775e01f52e8326e1d1e203ee1b5137ee518, test decrypt_server_data_v2:
// a server -> client packet, its auth key and the expected plaintext.
const char* server_packet_hex =
  "7a7183c2c10e4f4df945fa9a9abd35e7c3840b61f045304f39674c19c0e20978"
  "4f50f6226a073529d675c92cbf0bfa8c99a79b3f39c72a5d9a026d431ab7407c"
  "a04ecc55187d6c45f17871524edd90cea02ed728e14d7cb18aea2a636158f094"
  "59a9437710d894c79f368c4e8164b7647ea98612aefe942c5d92121acb8db02d"
  "ccceb66d0f8720ac12a06db0582bfd955be34f365118e3bab8cd080ce6b45b28"
  "eac56dcd2a29374e";
const char* server_auth_key_hex =
  "5d2e7d65f49ec28bd029a88761ea27b8a4c79f12226525443e7d7c596ef33035"
  "30db2107e89aa997c7a0164ab694187adeff156bd6ef7118a1962347753c0e7e"
  "89a0354b8ec364f9997e71bc6923fb86e8e43491e010606a6ce845e2fa019409"
  "77ef0aa32adf5a97dbf6d428ec0434d717a2d3ad19622cc05887642113c7965f"
  "fb862a3e3ccb0ab95addda57f89245dbd76b492348f8e94bd5a7c0e0b8480852"
  "3cfd1ea80b32fe9ad198bc2e103fceb7d52492ecc0273a28674bc923eee59265"
  "ab17a002df1f4aa2c59b819a5e5e1d105ec117336f5c76c6b187037d4b4270ce"
  "e9cc21071d97e9bca220c6d7b01b998cf2e5cdb9a50ecda1852a36e635690c8e";
const char* server_plain_hex =
  "fc826a02248b28fd60f2c4822443ad6801f0c1c2918b305e0200000058000000"
  "dcf8f1730200000001a8c1c2918b305e010000001c0000000809c29ec4fd33ad"
  "918b305e18a88ea607ee5816fc826a02248b28fd01ccc1c2918b305e02000000"
  "14000000c5737734c4fd33ad918b305e6408300000000000fce66704a3cd8ee9"
  "d0ae6fab672c60c04a3f1fd4490e51f6";

cipher_errc decrypt_error(message_cipher& c, direction dir, byte_view packet) {
  byte_buffer out;
  try {
    c.decrypt(dir, packet, out);
  } catch (const cipher_error& e) {
    CHECK(out.empty());
    CHECK(std::string(e.what()).find("message_cipher") != std::string::npos);
    return e.code();
  }
  FAIL("decrypt accepted a bad packet");
  return cipher_errc{};
}

} // namespace

TEST_CASE("message_cipher encrypt: grammers encrypt_client_data_v2 known answer") {
  // Same commit as above, test encrypt_client_data_v2: auth_key = 0..255,
  // "Hello, world! This data should remain secure!" plus 19 zero padding bytes.
  message_cipher c{counting<256>()};
  byte_buffer plain = byte_view{std::string_view{
                        "Hello, world! This data should remain secure!"}}.to_buffer();
  plain.resize(64, 0);
  byte_buffer out = {0xaa};  // encrypt appends
  c.encrypt(direction::client_to_server, plain, out);
  REQUIRE(out.size() == 1 + 88);
  CHECK(out[0] == 0xaa);
  CHECK(to_hex(byte_view{out}.sub(1))
        == "32d1586ea457dfc8a81729d46db54019a2bfd7f744f9b96c4f716cfdc4477db2"
           "a2c15f6ddb85235fb9552f1d8407c6aaea00cc844c5a1bf6ac44b79b5edc2a23"
           "868b3d6073a590992c0f2975243d563ea180d218ee757c9a");
}

TEST_CASE("message_cipher decrypt: grammers decrypt_server_data_v2 known answer") {
  message_cipher c{test::array_from_hex<256>(server_auth_key_hex)};
  const auto packet = from_hex(server_packet_hex);
  CHECK(c.key_id() == load_le64(packet.data()));
  byte_buffer out = {1, 2, 3};  // decrypt replaces
  c.decrypt(direction::server_to_client, packet, out);
  CHECK(to_hex(out) == server_plain_hex);
}

TEST_CASE("message_cipher round trip in both directions at many sizes") {
  test::test_bytes rnd{99};
  message_cipher client{rnd.array<256>()};
  message_cipher server{client.key()};
  for (size_t n = 16; n <= 4096; n = n * 2 + 16) {
    const auto plain = rnd.bytes(n);
    byte_buffer packet, back;
    client.encrypt(direction::client_to_server, plain, packet);
    server.decrypt(direction::client_to_server, packet, back);
    CHECK(back == plain);
    packet.clear();
    server.encrypt(direction::server_to_client, plain, packet);
    client.decrypt(direction::server_to_client, packet, back);
    CHECK(back == plain);
    // The direction is part of the key schedule: the wrong one fails.
    CHECK(decrypt_error(client, direction::client_to_server, packet)
          == cipher_errc::msg_key_mismatch);
  }
}

TEST_CASE("message_cipher encrypt rejects unpadded plaintext") {
  message_cipher c{counting<256>()};
  byte_buffer out;
  for (size_t n : {0, 1, 15, 17, 45}) {
    INFO("size " << n);
    byte_buffer plain(n, 0x11);
    CHECK_THROWS_AS(c.encrypt(direction::client_to_server, plain, out),
                    std::invalid_argument);
    CHECK(out.empty());
  }
}

TEST_CASE("message_cipher decrypt failure paths each have their own code") {
  test::test_bytes rnd{5};
  message_cipher c{rnd.array<256>()};
  const auto plain = rnd.bytes(64);
  byte_buffer packet;
  c.encrypt(direction::server_to_client, plain, packet);
  REQUIRE(packet.size() == 24 + 64);

  SECTION("another auth key") {
    message_cipher other{rnd.array<256>()};
    CHECK(decrypt_error(other, direction::server_to_client, packet)
          == cipher_errc::wrong_auth_key_id);
  }
  SECTION("wrong key id bytes") {
    auto bad = packet;
    bad[3] ^= 0x01;
    CHECK(decrypt_error(c, direction::server_to_client, bad)
          == cipher_errc::wrong_auth_key_id);
  }
  SECTION("truncated packets") {
    for (size_t n : {size_t(0), size_t(7)}) {
      INFO("length " << n);
      CHECK(decrypt_error(c, direction::server_to_client, byte_view{packet}.sub(0, n))
            == cipher_errc::bad_length);
    }
    // Key id intact but no room for msg_key and a block, or a partial block.
    for (size_t n : {size_t(8), size_t(24), size_t(39), size_t(40 + 15), size_t(87)}) {
      INFO("length " << n);
      CHECK(decrypt_error(c, direction::server_to_client, byte_view{packet}.sub(0, n))
            == cipher_errc::bad_length);
    }
    // Block-aligned truncation: length is fine, msg_key no longer matches.
    CHECK(decrypt_error(c, direction::server_to_client, byte_view{packet}.sub(0, 56))
          == cipher_errc::msg_key_mismatch);
  }
  SECTION("any flipped bit in msg_key or ciphertext") {
    for (size_t i = 8; i < packet.size(); ++i) {
      for (int bit : {0, 7}) {
        auto bad = packet;
        bad[i] ^= uint8_t(1 << bit);
        INFO("byte " << i << " bit " << bit);
        REQUIRE(decrypt_error(c, direction::server_to_client, bad)
                == cipher_errc::msg_key_mismatch);
      }
    }
  }
  SECTION("error names") {
    CHECK(std::string(to_string(cipher_errc::wrong_auth_key_id)) == "wrong_auth_key_id");
    CHECK(std::string(to_string(cipher_errc::bad_length)) == "bad_length");
    CHECK(std::string(to_string(cipher_errc::msg_key_mismatch)) == "msg_key_mismatch");
  }
}

TEST_CASE("message_cipher decrypt: random packets under our key id never pass") {
  test::test_bytes rnd{1234};
  message_cipher c{rnd.array<256>()};
  byte_buffer id(8);
  store_le64(id.data(), c.key_id());
  for (int i = 0; i < 2000; ++i) {
    size_t len = 8 + (rnd.next_byte() | size_t(rnd.next_byte()) << 8) % 600;
    auto packet = id;
    auto body = rnd.bytes(len - 8);
    packet.insert(packet.end(), body.begin(), body.end());
    const bool length_ok = len >= 40 && (len - 24) % 16 == 0;
    INFO("length " << len);
    REQUIRE(decrypt_error(c, direction::server_to_client, packet)
            == (length_ok ? cipher_errc::msg_key_mismatch : cipher_errc::bad_length));
  }
}
