// Asks the pool to fetch help.getConfig now and apply its dc_options to the
// pool's DC table (actors/pool_dc_config.cpp); the answer is the table as it
// is afterwards, or the typed error of help.getConfig (deadline_exceeded,
// rpc_failed, connection_failed, malformed_reply, dropped, ...).
//
//   self->request(pool, 30s, refresh_dc_config{}).then(
//     [](const dc_table_snapshot& t) { for (auto& d : t.dcs) ...; },
//     [](caf::error& e) { ... });
//
// Requests arriving while a refresh runs share it (one help.getConfig).
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mtsender {

struct refresh_dc_config {
  int32_t dc_id = 0;           // the DC to ask; 0: one with a live connection, else home
  int64_t deadline_ms = 0;     // 0: pool_config::dc_config_deadline
};

// One DC of the pool's table.
struct known_dc {
  int32_t dc_id = 0;
  std::string host;
  uint16_t port = 0;
  bool learned = false;          // from help.getConfig (this run or the store's)
  bool pinned = false;           // configured and pinned: never replaced
  bool obfuscated_only = false;  // reached only through obfuscated2 (tcpo_only)
};

struct dc_table_snapshot {
  int32_t asked_dc = 0;               // the DC that answered help.getConfig
  uint32_t changed = 0;               // DCs added or moved by this answer
  std::vector<known_dc> dcs;          // by DC id
  // Options refused, with the reason; and why CDN keys could not be
  // learned (help.getCdnConfig), if that failed.
  std::vector<std::string> rejected;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refresh_dc_config& x) {
  return f(caf::meta::type_name("mtsender_refresh_dc_config"), x.dc_id, x.deadline_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, known_dc& x) {
  return f(caf::meta::type_name("mtsender_known_dc"), x.dc_id, x.host, x.port, x.learned,
           x.pinned, x.obfuscated_only);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dc_table_snapshot& x) {
  return f(caf::meta::type_name("mtsender_dc_table_snapshot"), x.asked_dc, x.changed, x.dcs,
           x.rejected);
}

} // namespace mtsender
