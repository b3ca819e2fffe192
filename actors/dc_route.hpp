// How the pool reaches one DC, and the rules that choose it among the
// options help.getConfig lists (actors/dc_table.hpp applies them). Apart
// from the table so that pool_config needs no generated API header.
#pragma once

#include "mtsender/actors/telegram_defaults.hpp"
#include "mtsender/transport/bytes.hpp"

#include <optional>

namespace mtsender {

// How to reach one DC.
struct dc_route {
  dc_endpoint ep;
  bool ipv6 = false;
  bool obfuscated_only = false;      // tcpo_only: obfuscated2 framing only
  std::optional<int128> secret;      // with obfuscated_only: MTProxy-style secret
  bool this_port_only = false;

  friend bool operator==(const dc_route& a, const dc_route& b) {
    return a.ep.dc_id == b.ep.dc_id && a.ep.host == b.ep.host && a.ep.port == b.ep.port
           && a.ipv6 == b.ipv6 && a.obfuscated_only == b.obfuscated_only && a.secret == b.secret
           && a.this_port_only == b.this_port_only;
  }
  friend bool operator!=(const dc_route& a, const dc_route& b) { return !(a == b); }
};

struct dc_table_rules {
  // False: IPv4 options first, IPv6 only for a DC that has no usable IPv4
  // option. True: the other way round.
  bool prefer_ipv6 = false;
  // False: IPv6 options are never used (a host without IPv6 routes).
  bool use_ipv6 = true;
};

} // namespace mtsender
