// The bytes of a session file: session_data behind a header that lets a
// reader refuse anything it did not write whole.
//
//   "MTSS" | version u32 | payload length u32 | payload | SHA-256 of all before
//
// All integers little-endian. decode_session_file throws store_error naming
// the first check that failed (magic, version, length, checksum, content:
// at most 4096 addresses and 4096 keys, time offsets within 2^31 seconds as
// in transport/session/clock.hpp). encode_session_file refuses data it
// could not read back (invalid_argument).
#pragma once

#include "mtsender/store/session_data.hpp"
#include "mtsender/transport/bytes.hpp"

#include <cstdint>

namespace mtsender::store {

// Version 2 adds a flags byte after each key (bit 0: authorized). Version 3
// adds after each address a flags byte (bit 0: obfuscated only) and its
// secret (length byte, 0 or 16, then the bytes). A file is written in the
// oldest version that holds it (a file without an authorized key as version
// 1, byte for byte as before), so older builds keep reading what they can;
// every version is read.
inline constexpr uint32_t session_file_version = 3;
inline constexpr uint32_t session_file_version_2 = 2;
inline constexpr uint32_t session_file_version_1 = 1;
inline constexpr size_t session_file_header = 12;   // magic, version, length
inline constexpr size_t session_file_trailer = 32;  // SHA-256

byte_buffer encode_session_file(const session_data& data);
session_data decode_session_file(byte_view bytes);

} // namespace mtsender::store
