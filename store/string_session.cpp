#include "mtsender/store/string_session.hpp"

#include "mtsender/store/base64.hpp"
#include "mtsender/store/store_error.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace mtsender::store {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw store_error(store_errc::bad_string_session, what);
}

std::string_view strip_version(std::string_view text, const char* format) {
  if (text.empty())
    bad(std::string(format) + " string session is empty");
  if (text[0] != '1')
    bad(std::string(format) + " string session version '" + std::string(1, text[0])
        + "' is not the supported '1'");
  return text.substr(1);
}

void check_common(const string_session& s) {
  if (s.dc_id < 1 || s.dc_id > 255)
    throw store_error(store_errc::invalid_argument,
                      "dc_id " + std::to_string(s.dc_id) + " does not fit one byte (1..255)");
  if (s.auth_key.size() != 256)
    throw store_error(store_errc::invalid_argument,
                      "auth key has " + std::to_string(s.auth_key.size()) + " bytes, not 256");
  if (s.port == 0)
    throw store_error(store_errc::invalid_argument, "port 0");
}

void check_decoded(const string_session& s, const char* format) {
  if (s.dc_id == 0)
    bad(std::string(format) + " string session names DC 0");
  if (s.port == 0)
    bad(std::string(format) + " string session names port 0");
  bool all_zero = true;
  for (auto b : s.auth_key)
    all_zero = all_zero && b == 0;
  if (all_zero)
    bad(std::string(format) + " string session carries an all-zero auth key");
}

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void put_be16(byte_buffer& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

} // namespace

string_session from_telethon(std::string_view text) {
  auto body = strip_version(text, "Telethon");
  auto raw = base64_decode(body, base64_alphabet::url_safe);
  size_t ip_len;
  if (raw.size() == 1 + 4 + 2 + 256)
    ip_len = 4;
  else if (raw.size() == 1 + 16 + 2 + 256)
    ip_len = 16;
  else
    bad("Telethon string session decodes to " + std::to_string(raw.size())
        + " bytes; expected 263 (IPv4) or 275 (IPv6)");
  string_session s;
  s.dc_id = raw[0];
  char buf[INET6_ADDRSTRLEN] = {};
  if (!::inet_ntop(ip_len == 4 ? AF_INET : AF_INET6, raw.data() + 1, buf, sizeof(buf)))
    bad("Telethon string session has an unreadable IP address");
  s.host = buf;
  s.port = be16(raw.data() + 1 + ip_len);
  s.auth_key.assign(raw.begin() + 1 + static_cast<long>(ip_len) + 2, raw.end());
  check_decoded(s, "Telethon");
  return s;
}

std::string to_telethon(const string_session& s) {
  check_common(s);
  uint8_t ip[16];
  size_t ip_len;
  if (::inet_pton(AF_INET, s.host.c_str(), ip) == 1)
    ip_len = 4;
  else if (::inet_pton(AF_INET6, s.host.c_str(), ip) == 1)
    ip_len = 16;
  else
    throw store_error(store_errc::invalid_argument,
                      "Telethon string sessions need an IP literal, not \"" + s.host + "\"");
  byte_buffer raw;
  raw.push_back(static_cast<uint8_t>(s.dc_id));
  raw.insert(raw.end(), ip, ip + ip_len);
  put_be16(raw, s.port);
  raw.insert(raw.end(), s.auth_key.begin(), s.auth_key.end());
  return "1" + base64_encode(raw, base64_alphabet::url_safe);
}

string_session from_gramjs(std::string_view text) {
  auto body = strip_version(text, "gramjs");
  auto raw = base64_decode(body, base64_alphabet::standard);
  if (raw.size() < 3)
    bad("gramjs string session decodes to " + std::to_string(raw.size())
        + " bytes, too short for DC and address length");
  string_session s;
  s.dc_id = raw[0];
  const size_t addr_len = be16(raw.data() + 1);
  const size_t expected = 3 + addr_len + 2 + 256;
  if (raw.size() != expected)
    bad("gramjs string session decodes to " + std::to_string(raw.size())
        + " bytes; its address length " + std::to_string(addr_len) + " needs "
        + std::to_string(expected));
  if (addr_len == 0)
    bad("gramjs string session has an empty address");
  s.host.assign(raw.begin() + 3, raw.begin() + 3 + static_cast<long>(addr_len));
  for (unsigned char c : s.host)
    if (c < 0x21 || c > 0x7e)
      bad("gramjs string session address has a non-printable byte");
  s.port = be16(raw.data() + 3 + addr_len);
  s.auth_key.assign(raw.begin() + 5 + static_cast<long>(addr_len), raw.end());
  check_decoded(s, "gramjs");
  return s;
}

std::string to_gramjs(const string_session& s) {
  check_common(s);
  if (s.host.empty() || s.host.size() > 0xffff)
    throw store_error(store_errc::invalid_argument, "address must have 1..65535 bytes");
  byte_buffer raw;
  raw.push_back(static_cast<uint8_t>(s.dc_id));
  put_be16(raw, static_cast<uint16_t>(s.host.size()));
  raw.insert(raw.end(), s.host.begin(), s.host.end());
  put_be16(raw, s.port);
  raw.insert(raw.end(), s.auth_key.begin(), s.auth_key.end());
  return "1" + base64_encode(raw, base64_alphabet::standard);
}

session_data to_session_data(const string_session& s) {
  session_data d;
  d.main_dc = s.dc_id;
  d.set_address({s.dc_id, s.host, s.port});
  d.set_key({s.dc_id, s.auth_key, 0, 0});
  return d;
}

string_session from_session_data(const session_data& d) {
  auto* a = d.address(d.main_dc);
  auto* k = d.key(d.main_dc);
  if (!a || !k)
    throw store_error(store_errc::invalid_argument,
                      "main DC " + std::to_string(d.main_dc) + " has no "
                        + (a ? "auth key" : "address"));
  return {d.main_dc, a->host, a->port, k->auth_key};
}

} // namespace mtsender::store
