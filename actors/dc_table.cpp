#include "mtsender/actors/dc_table.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <tuple>

namespace mtsender {

namespace {

bool is_ip_literal(const std::string& s, bool ipv6) {
  if (s.empty() || s.find('\0') != std::string::npos)
    return false;
  uint8_t buf[16];
  return ::inet_pton(ipv6 ? AF_INET6 : AF_INET, s.c_str(), buf) == 1;
}

// Why the option cannot be used at all, or empty.
std::string refusal(const api::dcOption& o) {
  if (o.id <= 0 || o.id > max_dc_id)
    return "DC id " + std::to_string(o.id) + " is not 1.." + std::to_string(max_dc_id);
  if (o.port <= 0 || o.port > 65535)
    return "port " + std::to_string(o.port) + " is not 1..65535";
  if (!is_ip_literal(o.ip_address, o.ipv6))
    return "\"" + o.ip_address + "\" is not an " + (o.ipv6 ? "IPv6" : "IPv4") + " address";
  if (o.tcpo_only && o.secret && o.secret->size() != 16)
    return "secret of " + std::to_string(o.secret->size()) + " bytes (16 expected)";
  return {};
}

struct candidate {
  dc_route route;
  std::tuple<int, int, int, size_t> rank;   // lower wins
};

void keep_best(std::map<int32_t, candidate>& best, candidate c) {
  auto [i, inserted] = best.try_emplace(c.route.ep.dc_id, c);
  if (!inserted && c.rank < i->second.rank)
    i->second = std::move(c);
}

} // namespace

dc_table make_dc_table(const std::vector<api::dcOption>& options, const dc_table_rules& rules) {
  dc_table t;
  std::map<int32_t, candidate> main, media, cdn;
  for (size_t n = 0; n < options.size(); ++n) {
    const auto& o = options[n];
    auto why = refusal(o);
    if (!why.empty()) {
      t.rejected.push_back("DC " + std::to_string(o.id) + " option " + std::to_string(n) + ": "
                           + why);
      continue;
    }
    if (o.ipv6 && !rules.use_ipv6)
      continue;
    candidate c;
    c.route.ep = {o.id, o.ip_address, static_cast<uint16_t>(o.port)};
    c.route.ipv6 = o.ipv6;
    c.route.obfuscated_only = o.tcpo_only;
    c.route.this_port_only = o.this_port_only;
    if (o.tcpo_only && o.secret) {
      int128 s;
      std::memcpy(s.data(), o.secret->data(), 16);
      c.route.secret = s;
    }
    const int family = o.ipv6 == rules.prefer_ipv6 ? 0 : 1;
    c.rank = {family, o.tcpo_only ? 1 : 0, o.static_ ? 1 : 0, n};
    keep_best(o.cdn ? cdn : o.media_only ? media : main, std::move(c));
  }
  for (auto& [id, c] : main)
    t.main.emplace(id, std::move(c.route));
  for (auto& [id, c] : media)
    t.media.emplace(id, std::move(c.route));
  for (auto& [id, c] : cdn) {
    t.main.erase(id);   // a CDN id is never a main DC, even if listed plainly too
    t.cdn.emplace(id, std::move(c.route));
  }
  return t;
}

dc_table make_dc_table(const std::vector<api::DcOption>& options, const dc_table_rules& rules) {
  std::vector<api::dcOption> plain;
  plain.reserve(options.size());
  std::vector<std::string> empty;
  for (size_t n = 0; n < options.size(); ++n) {
    if (const auto* o = options[n].get_if<api::dcOption>())
      plain.push_back(*o);
    else
      empty.push_back("option " + std::to_string(n) + ": empty");
  }
  auto t = make_dc_table(plain, rules);
  t.rejected.insert(t.rejected.end(), empty.begin(), empty.end());
  return t;
}

} // namespace mtsender
