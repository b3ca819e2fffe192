// Import and export of the "string sessions" Telethon and gramjs print, so a
// user can move an authorized session between those clients and this one.
//
//   Telethon: "1" + URL-safe base64( dc_id u8 | IPv4 (4) or IPv6 (16) bytes |
//                                    port u16 big-endian | auth key (256) )
//   gramjs:   "1" + base64( dc_id u8 | address length u16 BE | address text |
//                           port u16 BE | auth key (256) )
//
//   auto s = store::from_telethon(text);            // throws store_error
//   std::string back = store::to_gramjs(s);
//   session_data d = store::to_session_data(s);     // for a session_store
//
// Every malformed string is refused with store_errc::bad_string_session
// naming what was wrong (version, base64, length, address, port, key).
#pragma once

#include "mtsender/store/session_data.hpp"

#include <string>
#include <string_view>

namespace mtsender::store {

struct string_session {
  int32_t dc_id = 0;        // 1..255 (one byte in both formats)
  std::string host;         // IPv4 / IPv6 literal (Telethon needs a literal)
  uint16_t port = 0;
  byte_buffer auth_key;     // 256 bytes
};

string_session from_telethon(std::string_view text);
std::string to_telethon(const string_session& s);

string_session from_gramjs(std::string_view text);
std::string to_gramjs(const string_session& s);

// The session's DC becomes the main DC with its address and key.
session_data to_session_data(const string_session& s);
// The main DC's address and key; throws store_error when either is missing.
string_session from_session_data(const session_data& d);

} // namespace mtsender::store
