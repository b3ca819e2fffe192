#include "mtsender/tests/test_dc/api_rules.hpp"

namespace mtsender::test_dc {

bool exempt_from_init(uint32_t query_id) noexcept {
  return query_id == auth_bind_temp_auth_key_id;
}

std::optional<rpc_reply> check_api_rules(const api_rules& rules, api_session_state& s,
                                         const tl::unwrapped_query& u) {
  if (u.layer && (*u.layer < rules.min_layer || *u.layer > rules.max_layer))
    return rpc_reply::error(400, "CONNECTION_LAYER_INVALID");
  if (u.init_connection) {
    s.inited = true;
    if (u.layer)
      s.layer = *u.layer;
  } else if (!s.inited && rules.require_init_connection && !exempt_from_init(u.query_id)) {
    return rpc_reply::error(400, "CONNECTION_NOT_INITED");
  } else if (u.layer) {
    s.layer = *u.layer;
  }
  // auth.bindTempAuthKey precedes initConnection and any choice about
  // updates (api/pfs): it neither subscribes the session nor opts it out.
  if (rules.honour_without_updates && !exempt_from_init(u.query_id)) {
    if (!u.without_updates)
      s.subscription = api_session_state::updates::subscribed;
    else if (s.subscription == api_session_state::updates::unknown)
      s.subscription = api_session_state::updates::opted_out;
  }
  return std::nullopt;
}

} // namespace mtsender::test_dc
