// The layout of an MTProto 2.0 encrypted message before encryption:
//
//   salt:long session_id:long msg_id:long seqno:int message_data_length:int
//   message_data:bytes[length] padding:bytes[12..1024]
//
// Writing: reserve plaintext_header_size bytes, append the body, then fill the
// header in with write_plaintext_header (the length is known only then).
// Reading: parse_plaintext checks the lengths (a multiple of 4, inside the
// plaintext, padding 12..1024) and throws session_error naming the check.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstdint>

namespace mtsender::session {

inline constexpr size_t plaintext_header_size = 32;
// Offset of message_data inside the plaintext.
inline constexpr size_t plaintext_body_offset = plaintext_header_size;

struct message_header {
  uint64_t salt = 0;
  uint64_t session_id = 0;
  uint64_t msg_id = 0;
  uint32_t seqno = 0;
  uint32_t length = 0;  // message_data_length
};

// Writes the 32 header bytes at `at`.
void write_plaintext_header(uint8_t* at, const message_header& h) noexcept;

// A decrypted plaintext, split; `body` points into the input.
struct plaintext_message {
  message_header header;
  byte_view body;
};

// Throws session_error(bad_message_length or bad_padding).
plaintext_message parse_plaintext(byte_view plaintext);

} // namespace mtsender::session
