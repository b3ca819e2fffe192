// The pool's DC table as help.getConfig describes it: which address each
// DC's connections use, decided from config.dc_options with no I/O, so the
// rules can be tested on their own (the pool applies the result in
// actors/pool_dc_config.cpp).
//
//   api::config c = ...;                        // help.getConfig's answer
//   dc_table t = make_dc_table(c.dc_options);   // rules: IPv4 first, ...
//   if (auto* r = t.route(4)) connect(r->ep.host, r->ep.port, r->obfuscated_only);
//
// Telegram's flags (core.telegram.org/constructor/dcOption):
// - cdn: a CDN DC (upload.getCdnFile only, its own keys): in `cdn`, never
//   a main route;
// - media_only: for file transfers only: kept in `media`, not a main route;
// - ipv6: used when the rules prefer IPv6, or for a DC without IPv4;
// - tcpo_only: reachable only through obfuscated2 framing, with `secret`
//   (16 bytes) as its MTProxy-style secret; a plain option of the DC wins;
// - static: meant for connections through a proxy: a non-static option wins;
// - this_port_only: connect to this port only (we never try other ports).
// Options that cannot be used (bad id, port, address or secret) are refused,
// each with a reason in `rejected`; options of one rank keep the server's
// order (the first wins).
#pragma once

#include "mtsender/actors/dc_route.hpp"
#include "mtsender/api/DcOption.hpp"
#include "mtsender/transport/bytes.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mtsender {

struct dc_table {
  std::map<int32_t, dc_route> main;    // for the pool's connections, by DC id
  std::map<int32_t, dc_route> media;   // media_only options, by DC id
  // CDN DCs (upload.getCdnFile, with keys from help.getCdnConfig): the
  // pool adds them to its table so a request addressed to one can go, but
  // they are never a main DC.
  std::map<int32_t, dc_route> cdn;
  std::vector<std::string> rejected;   // "DC 4 option 3: port 0 is not 1..65535"

  const dc_route* route(int32_t dc_id) const {
    auto i = main.find(dc_id);
    return i == main.end() ? nullptr : &i->second;
  }
};

// DC ids the table accepts: 1..9999 (the handshake adds 10000 for test
// servers and the obfuscated2 header holds a 16-bit id).
inline constexpr int32_t max_dc_id = 9999;

dc_table make_dc_table(const std::vector<api::dcOption>& options, const dc_table_rules& rules = {});
// As config.dc_options holds them (boxed); an empty box is refused.
dc_table make_dc_table(const std::vector<api::DcOption>& options, const dc_table_rules& rules = {});

} // namespace mtsender
