#include "mtsender/transport/handshake/plain_message.hpp"

#include "mtsender/transport/handshake/handshake_error.hpp"

#include <string>

namespace mtsender::handshake {

void write_plain_message(int64_t msg_id, byte_view body, byte_buffer& out) {
  auto at = out.size();
  out.resize(at + plain_header_size + body.size());
  uint8_t* p = out.data() + at;
  store_le64(p, 0);
  store_le64(p + 8, uint64_t(msg_id));
  store_le32(p + 16, uint32_t(body.size()));
  for (size_t i = 0; i < body.size(); ++i)
    p[plain_header_size + i] = body[i];
}

byte_buffer make_plain_message(int64_t msg_id, byte_view body) {
  byte_buffer out;
  out.reserve(plain_header_size + body.size());
  write_plain_message(msg_id, body, out);
  return out;
}

plain_message read_plain_message(byte_view packet, plain_sender sender) {
  auto bad = [](const std::string& what) {
    return handshake_error(handshake_errc::bad_plain_message, what);
  };
  if (packet.size() < plain_header_size)
    throw bad("unencrypted message of " + std::to_string(packet.size())
              + " bytes is shorter than its 20-byte header");
  if (load_le64(packet.data()) != 0)
    throw bad("auth_key_id is not 0 in an unencrypted message");
  auto msg_id = int64_t(load_le64(packet.data() + 8));
  auto length = int32_t(load_le32(packet.data() + 16));
  auto rest = packet.size() - plain_header_size;
  if (length < 0 || size_t(length) > rest)
    throw bad("message_length " + std::to_string(length) + " but "
              + std::to_string(rest) + " bytes follow the header");
  if (rest - size_t(length) > 15)
    throw bad(std::to_string(rest - size_t(length))
              + " bytes after the message body (padding is at most 15)");
  if (msg_id <= 0)
    throw bad("msg_id " + std::to_string(msg_id) + " is not positive");
  if (sender == plain_sender::client && msg_id % 4 != 0)
    throw bad("client msg_id " + std::to_string(msg_id) + " is not divisible by 4");
  if (sender == plain_sender::server && msg_id % 2 != 1)
    throw bad("server msg_id " + std::to_string(msg_id) + " is not odd");
  return {msg_id, packet.sub(plain_header_size, size_t(length))};
}

int64_t msg_id_clock::next(int64_t unix_time_ns, int64_t residue) noexcept {
  if (unix_time_ns < 0)
    unix_time_ns = 0;
  const int64_t seconds = unix_time_ns / 1000000000;
  const int64_t nanos = unix_time_ns % 1000000000;
  // The fraction of a second, scaled to 2^32: nanos * 2^32 / 10^9 < 2^32.
  const int64_t fraction = int64_t((uint64_t(nanos) << 32) / 1000000000u);
  int64_t id = (seconds << 32) | fraction;
  id = (id & ~int64_t(3)) | residue;
  if (id <= last_)
    id = ((last_ + 4) & ~int64_t(3)) | residue;
  last_ = id;
  return id;
}

int64_t msg_id_clock::next_client(int64_t unix_time_ns) noexcept { return next(unix_time_ns, 0); }
int64_t msg_id_clock::next_server(int64_t unix_time_ns) noexcept { return next(unix_time_ns, 1); }

} // namespace mtsender::handshake
