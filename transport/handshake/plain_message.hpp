// Unencrypted MTProto messages: the envelope of every handshake message.
//
//   auth_key_id (8 bytes, zero) ‖ msg_id (int64) ‖ message_length (int32) ‖ body
//
// The connection actor and the test server wrap each handshake body with
// write_plain_message() and unwrap what arrives with read_plain_message();
// msg_id_clock makes msg_ids that follow MTProto's rules from an injected
// time (client ids divisible by 4, server ids ≡ 1 mod 4, strictly increasing).
//
//   msg_id_clock ids;
//   auto packet = make_plain_message(ids.next_client(now_ns), hs.start());
//   auto msg = read_plain_message(frame, plain_sender::server);  // msg.body
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstdint>

namespace mtsender::handshake {

inline constexpr size_t plain_header_size = 20;

struct plain_message {
  int64_t msg_id = 0;
  byte_view body;   // a view into the packet passed to read_plain_message
};

// Who sent the packet, which decides the allowed msg_id residue mod 4.
enum class plain_sender : uint8_t { client, server, any };

// Appends the envelope and the body to `out`.
void write_plain_message(int64_t msg_id, byte_view body, byte_buffer& out);
byte_buffer make_plain_message(int64_t msg_id, byte_view body);

// Throws handshake_error(bad_plain_message) when the packet is shorter than
// the header, auth_key_id is not zero, message_length is negative, longer than
// the rest, or leaves more than 15 bytes unused (padded transports may add up
// to 15), or msg_id does not fit `sender` (client: ≡ 0 mod 4, server: odd).
plain_message read_plain_message(byte_view packet, plain_sender sender = plain_sender::any);

// MTProto msg_ids from an injected time: (unix seconds << 32) plus the
// fraction of a second scaled to 2^32, then forced to the sender's residue
// and strictly above the previous id. `unix_time_ns` is the caller's clock
// (the client adds its server time offset first).
class msg_id_clock {
public:
  int64_t next_client(int64_t unix_time_ns) noexcept;  // ≡ 0 mod 4
  int64_t next_server(int64_t unix_time_ns) noexcept;  // ≡ 1 mod 4 (answers)
  int64_t last() const noexcept { return last_; }

private:
  int64_t next(int64_t unix_time_ns, int64_t residue) noexcept;
  int64_t last_ = 0;
};

} // namespace mtsender::handshake
