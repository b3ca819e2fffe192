#include "mtsender/transport/session/packet_cipher.hpp"

#include "mtsender/transport/session/session_error.hpp"

#include <cstring>
#include <stdexcept>

namespace mtsender::session {

namespace {

session_errc to_session_errc(crypto::cipher_errc c) noexcept {
  switch (c) {
    case crypto::cipher_errc::wrong_auth_key_id: return session_errc::wrong_auth_key_id;
    case crypto::cipher_errc::bad_length: return session_errc::bad_packet_length;
    case crypto::cipher_errc::msg_key_mismatch: return session_errc::msg_key_mismatch;
  }
  return session_errc::msg_key_mismatch;
}

} // namespace

packet_cipher::packet_cipher(const crypto::auth_key_bytes& auth_key, role r,
                             padding_policy padding)
  : cipher_(auth_key),
    send_dir_(r == role::client ? crypto::direction::client_to_server
                                : crypto::direction::server_to_client),
    recv_dir_(r == role::client ? crypto::direction::server_to_client
                                : crypto::direction::client_to_server),
    padding_(padding) {}

void packet_cipher::seal(byte_buffer& plaintext, random_source& random, byte_buffer& out) {
  append_padding(plaintext, random, padding_);
  cipher_.encrypt(send_dir_, plaintext, out);
}

void packet_cipher::seal_with_padding(byte_buffer& plaintext, byte_view padding,
                                      byte_buffer& out) {
  if (padding.size() < min_padding || padding.size() > max_padding
      || (plaintext.size() + padding.size()) % 16 != 0)
    throw std::invalid_argument("packet_cipher: " + std::to_string(padding.size())
                                + " bytes of padding do not fit a "
                                + std::to_string(plaintext.size()) + "-byte plaintext");
  const size_t at = plaintext.size();
  plaintext.resize(at + padding.size());
  std::memcpy(plaintext.data() + at, padding.data(), padding.size());
  cipher_.encrypt(send_dir_, plaintext, out);
}

plaintext_message packet_cipher::open(byte_view packet) {
  try {
    cipher_.decrypt(recv_dir_, packet, rx_);
  } catch (const crypto::cipher_error& e) {
    rx_.clear();
    throw session_error(to_session_errc(e.code()), e.what());
  }
  return parse_plaintext(rx_);
}

} // namespace mtsender::session
