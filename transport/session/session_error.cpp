#include "mtsender/transport/session/session_error.hpp"

namespace mtsender::session {

const char* to_string(session_errc code) noexcept {
  switch (code) {
    case session_errc::wrong_auth_key_id: return "wrong_auth_key_id";
    case session_errc::bad_packet_length: return "bad_packet_length";
    case session_errc::msg_key_mismatch: return "msg_key_mismatch";
    case session_errc::bad_message_length: return "bad_message_length";
    case session_errc::bad_padding: return "bad_padding";
    case session_errc::wrong_session_id: return "wrong_session_id";
    case session_errc::even_msg_id: return "even_msg_id";
    case session_errc::bad_state: return "bad_state";
  }
  return "unknown session_errc";
}

session_error::session_error(session_errc code, const std::string& what)
  : transport_error("session: " + std::string(to_string(code)) + ": " + what), code_(code) {}

} // namespace mtsender::session
