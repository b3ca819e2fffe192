// The API-layer rules mtproto-test-dc enforces the way Telegram does, each
// on by default with a switch to turn it off (server_options::rules,
// `--no-init-required`, `--no-updates-opt-out`, `--layers MIN-MAX`):
//
// - CONNECTION_NOT_INITED (400): an API call in a session that has not sent
//   initConnection. Telegram's clients keep the initialization per auth key
//   (TDLib's header flag, Telegram iOS's apiInitializationHash); the test DC
//   is stricter and keeps it per MTProto session, so a client that passes
//   here also passes there. Exempt, as on Telegram: every MTProto service
//   message (ping, ping_delay_disconnect, get_future_salts, msgs_ack,
//   msgs_state_req, msg_resend_req, rpc_drop_answer, destroy_session,
//   destroy_auth_key, http_wait: they never reach the API layer) and
//   auth.bindTempAuthKey, which core.telegram.org/api/pfs has clients send
//   before initConnection ("initConnection must also be called after each
//   auth.bindTempAuthKey").
// - CONNECTION_LAYER_INVALID (400): invokeWithLayer naming a layer outside
//   [min_layer, max_layer]; the session stays uninitialized.
// - invokeWithoutUpdates: a session whose API calls all came inside it gets
//   no pushed updates; one unwrapped API call subscribes it (for good, as on
//   Telegram). A session that made no API call yet still gets pushed updates
//   (raw MTProto tests push to sessions that only pinged).
#pragma once

#include "mtsender/api/auth/bindTempAuthKey.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"

#include <cstdint>
#include <optional>

namespace mtsender::test_dc {

// The layer of the schema this project ships.
inline constexpr int32_t newest_layer = 228;
inline constexpr uint32_t auth_bind_temp_auth_key_id = api::auth::bindTempAuthKey::tl_id;

struct api_rules {
  bool require_init_connection = true;
  int32_t min_layer = 1;
  int32_t max_layer = newest_layer;
  bool honour_without_updates = true;
};

// What a session said about itself at the API layer.
struct api_session_state {
  enum class updates : uint8_t { unknown, subscribed, opted_out };
  bool inited = false;
  int32_t layer = 0;
  updates subscription = updates::unknown;

  bool wants_updates() const noexcept { return subscription != updates::opted_out; }
};

// True for the API methods Telegram runs before initConnection.
bool exempt_from_init(uint32_t query_id) noexcept;

// Applies the rules to one unwrapped query of a session: the error to
// answer, or nullopt to run it (the session's state is updated either way).
std::optional<rpc_reply> check_api_rules(const api_rules& rules, api_session_state& s,
                                         const tl::unwrapped_query& u);

} // namespace mtsender::test_dc
