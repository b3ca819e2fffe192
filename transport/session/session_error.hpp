// The fatal errors of an encrypted MTProto session.
//
// Any of these means the connection must be dropped: the packet failed a
// security or framing check (MTProto's security guidelines answer every such
// failure the same way: drop the frame and close the connection), or saved
// session state is unusable. Problems with one message inside an otherwise
// good packet are not errors: the session reports them as events
// (message_ignored_event) and carries on.
#pragma once

#include "mtsender/transport/error.hpp"

#include <cstdint>
#include <string>

namespace mtsender::session {

enum class session_errc : uint8_t {
  wrong_auth_key_id = 1,  // the packet names another auth key
  bad_packet_length,      // too short, or not 24 + a multiple of 16
  msg_key_mismatch,       // recomputed msg_key differs: forged or corrupt
  bad_message_length,     // message_data_length not a multiple of 4 or past the plaintext
  bad_padding,            // padding outside 12..1024 bytes
  wrong_session_id,       // a message for another session
  even_msg_id,            // the server's msg_id is not odd
  bad_state,              // saved session state that does not parse
};

const char* to_string(session_errc code) noexcept;

class session_error : public transport_error {
public:
  session_error(session_errc code, const std::string& what);
  session_errc code() const noexcept { return code_; }

private:
  session_errc code_;
};

} // namespace mtsender::session
