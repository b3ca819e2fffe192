#include "mtsender/transport/session/plaintext.hpp"

#include "mtsender/transport/session/padding.hpp"
#include "mtsender/transport/session/session_error.hpp"

#include <string>

namespace mtsender::session {

void write_plaintext_header(uint8_t* at, const message_header& h) noexcept {
  store_le64(at, h.salt);
  store_le64(at + 8, h.session_id);
  store_le64(at + 16, h.msg_id);
  store_le32(at + 24, h.seqno);
  store_le32(at + 28, h.length);
}

plaintext_message parse_plaintext(byte_view plaintext) {
  const size_t size = plaintext.size();
  if (size < plaintext_header_size + min_padding)
    throw session_error(session_errc::bad_message_length,
                        "plaintext of " + std::to_string(size)
                          + " bytes cannot hold the 32-byte header and 12 bytes of padding");
  plaintext_message m;
  const uint8_t* p = plaintext.data();
  m.header.salt = load_le64(p);
  m.header.session_id = load_le64(p + 8);
  m.header.msg_id = load_le64(p + 16);
  m.header.seqno = load_le32(p + 24);
  m.header.length = load_le32(p + 28);
  const size_t length = m.header.length;
  if (length % 4 != 0)
    throw session_error(session_errc::bad_message_length,
                        "message_data_length " + std::to_string(length)
                          + " is not a multiple of 4");
  if (length > size - plaintext_header_size)
    throw session_error(session_errc::bad_message_length,
                        "message_data_length " + std::to_string(length) + " runs past the "
                          + std::to_string(size) + "-byte plaintext");
  const size_t padding = size - plaintext_header_size - length;
  if (padding < min_padding || padding > max_padding)
    throw session_error(session_errc::bad_padding,
                        std::to_string(padding) + " bytes of padding (allowed 12..1024)");
  m.body = plaintext.sub(plaintext_body_offset, length);
  return m;
}

} // namespace mtsender::session
