// A tiny blocking MTProto client for the server tests: a socket, a client
// frame codec, the client handshake and a hand-driven encrypted session whose
// msg_id, seqno and salt a test can set to anything (to provoke the server's
// checks). Every wait has a timeout, so a server that goes quiet fails the
// test instead of hanging it.
#pragma once

#include "mtsender/tests/test_dc/net.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"
#include "mtsender/transport/tl/serialize.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtsender::test_dc::testing {

using namespace std::chrono_literals;

struct raw_frame {
  codec::frame::kind type = codec::frame::kind::packet;
  byte_buffer payload;
  int32_t error_code = 0;
  uint32_t quick_ack_token = 0;
};

// One decrypted message from the server (containers are flattened).
struct server_message {
  int64_t msg_id = 0;
  int32_t seqno = 0;
  byte_buffer body;
  int64_t packet_msg_id = 0;   // the packet's msg_id (the container's, if any)
  bool in_container = false;
  uint32_t constructor() const { return body.size() >= 4 ? load_le32(body.data()) : 0; }
};

// What the next send uses instead of the generated value.
struct send_overrides {
  std::optional<int64_t> msg_id;
  std::optional<int32_t> seqno;
  std::optional<int64_t> salt;
  std::optional<int64_t> session_id;
  bool quick_ack = false;   // ask the server for a quick ack
};

int64_t unix_now_ns();

class test_client {
public:
  test_client(uint16_t port, codec::codec_options opts = {},
              const std::string& host = "127.0.0.1");

  // Raw bytes on the socket / one framed packet.
  void send_raw(byte_view bytes);
  void send_frame(byte_view packet, bool quick_ack = false);
  // The next frame; nullopt on a clean EOF. Throws on timeout or a bad frame.
  std::optional<raw_frame> read_frame(std::chrono::milliseconds timeout = 5s);
  // True if the server closes the connection within `timeout` (frames that
  // arrive first are skipped; a frame error also counts as closed when
  // `frame_error_ok`).
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  // True if nothing at all arrives for `quiet` (and the socket stays open).
  bool silent_for(std::chrono::milliseconds quiet);

  // The whole handshake; throws on failure. Sets up the session with the
  // key, the first salt and a random session id.
  handshake::handshake_result handshake(const crypto::rsa_public_key& key,
                                        handshake::inner_data_kind kind
                                        = handshake::inner_data_kind::dc,
                                        int32_t dc_id = 2, int32_t expires_in = 0);
  // Uses an existing key (a second connection of the same client).
  void use_key(const crypto::auth_key_bytes& key, int64_t salt, int64_t session_id);
  // Carries on `other`'s session on this connection (a reconnect): same key,
  // salt and session id, msg_ids and seqnos continuing where it stopped.
  void continue_session(const test_client& other);

  int64_t session_id() const noexcept { return session_id_; }
  int64_t salt() const noexcept { return salt_; }
  void set_salt(int64_t s) noexcept { salt_ = s; }
  void set_session_id(int64_t s) noexcept { session_id_ = s; }
  const crypto::auth_key_bytes& auth_key() const noexcept { return key_; }

  // Sends one message (content-related or not) in its own packet; returns its msg_id.
  int64_t send(byte_view body, bool content = true, const send_overrides& o = {});
  // Sends the bodies in one container; returns their msg_ids (the container's last).
  std::vector<int64_t> send_container(const std::vector<byte_buffer>& bodies,
                                      const std::vector<bool>& content = {});
  int64_t next_msg_id();
  int32_t next_seqno(bool content) noexcept { return content ? 2 * seq_++ + 1 : 2 * seq_; }

  // Messages of the next packet (flattened); throws if a non-packet frame or
  // EOF comes first.
  std::vector<server_message> read_packet(std::chrono::milliseconds timeout = 5s);
  // Reads until a message with this constructor arrives (others are kept
  // for later expects). Throws on timeout.
  server_message expect(uint32_t constructor, std::chrono::milliseconds timeout = 5s);
  // rpc_result for req_msg_id: returns the result bytes (gzip unpacked).
  byte_buffer expect_result(int64_t req_msg_id, std::chrono::milliseconds timeout = 5s);
  // Every message received and not yet taken by expect().
  std::deque<server_message>& backlog() noexcept { return backlog_; }

  crypto::secure_random& rng() noexcept { return rng_; }
  // The plaintext (padding included) of the last message sent.
  const byte_buffer& last_plaintext() const noexcept { return last_plain_; }

private:
  bool fill(std::chrono::milliseconds timeout);   // false on EOF

  test_dc::unique_fd fd_;
  crypto::secure_random rng_;
  std::unique_ptr<codec::frame_codec> codec_;
  crypto::auth_key_bytes key_{};
  std::unique_ptr<session::packet_cipher> cipher_;
  int64_t salt_ = 0;
  int64_t session_id_ = 0;
  int64_t last_msg_id_ = 0;
  uint32_t seq_ = 0;
  std::deque<server_message> backlog_;
  bool eof_ = false;
  byte_buffer last_plain_;
};

} // namespace mtsender::test_dc::testing
