// What a client must remember between runs to avoid new auth keys: per DC its
// address and, once made, its auth key with the salt and clock offset that go
// with it. A plain value; session_store implementations persist it.
//
//   session_data d;
//   d.main_dc = 2;
//   d.set_address({2, "149.154.167.51", 443});
//   d.set_key({2, key_bytes, salt, offset_ns});
//   if (auto* k = d.key(2)) ...
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mtsender::store {

struct dc_address {
  int32_t dc_id = 0;
  std::string host;      // IPv4 or IPv6 literal, or a host name
  uint16_t port = 0;
  // Learned from help.getConfig (a tcpo_only option): reachable only through
  // obfuscated2 framing, with `secret` (empty or 16 bytes) as its
  // MTProxy-style secret.
  bool obfuscated_only = false;
  byte_buffer secret{};  // {}: brace-initialising only the fields above stays warning-free

  friend bool operator==(const dc_address& a, const dc_address& b) {
    return a.dc_id == b.dc_id && a.host == b.host && a.port == b.port
           && a.obfuscated_only == b.obfuscated_only && a.secret == b.secret;
  }
};

struct dc_key {
  int32_t dc_id = 0;
  byte_buffer auth_key;          // 256 bytes
  int64_t server_salt = 0;       // last known; 0 = unknown
  int64_t time_offset_ns = 0;    // server time minus local time
  // The account is logged in under this key (a login or an imported
  // authorization answered auth.authorization): requests to this DC need no
  // auth.importAuthorization first. Goes with the key: a new key starts false.
  bool authorized = false;

  friend bool operator==(const dc_key& a, const dc_key& b) {
    return a.dc_id == b.dc_id && a.auth_key == b.auth_key && a.server_salt == b.server_salt
           && a.time_offset_ns == b.time_offset_ns && a.authorized == b.authorized;
  }
};

struct session_data {
  int32_t main_dc = 0;                // the DC the account lives on; 0 = unknown
  std::vector<dc_address> addresses;  // one per DC id
  std::vector<dc_key> keys;           // one per DC id

  const dc_address* address(int32_t dc_id) const;
  const dc_key* key(int32_t dc_id) const;
  // Replace the entry of the same DC, or add one.
  void set_address(dc_address a);
  void set_key(dc_key k);
  bool drop_key(int32_t dc_id);

  friend bool operator==(const session_data& a, const session_data& b) {
    return a.main_dc == b.main_dc && a.addresses == b.addresses && a.keys == b.keys;
  }
};

} // namespace mtsender::store
