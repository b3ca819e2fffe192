// auth.bindTempAuthKey (core.telegram.org/method/auth.bindTempAuthKey and
// /api/pfs): binds the temporary key a query came under to a permanent key
// of this DC, after checking the binding message sealed with that permanent
// key. Errors as Telegram names them:
//   TEMP_AUTH_KEY_EMPTY         the query did not come under a temporary key
//   ENCRYPTED_MESSAGE_INVALID   unknown permanent key, a seal that does not
//                               check out, or inner fields that differ from
//                               the request, the key or the session
//   TEMP_AUTH_KEY_ALREADY_BOUND bound to another permanent key already
#include "mtsender/tests/test_dc/dc_server.hpp"
#include "mtsender/transport/handshake/temp_key_binding.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/serialize.hpp"

namespace mtsender::test_dc {

rpc_reply dc_server::bind_temp_key(connection& c, server_session& s, const incoming& m,
                                   byte_view query) {
  auto refuse = [&](const char* name, const std::string& why) {
    ++counters_.binds_refused;
    log(c, std::string("auth.bindTempAuthKey: ") + name + ": " + why);
    return rpc_reply::error(400, name);
  };
  tl::reader r{query};
  auto req = handshake::bind_temp_auth_key::read(r);  // decode_error: INPUT_FETCH_ERROR
  r.expect_end("auth.bindTempAuthKey");
  auto& temp = keys_.at(s.key_id);
  if (temp.expires_at == 0)
    return refuse("TEMP_AUTH_KEY_EMPTY", "the query came under a permanent key");
  auto perm = keys_.find(static_cast<uint64_t>(req.perm_auth_key_id));
  if (perm == keys_.end() || perm->second.expires_at != 0)
    return refuse("ENCRYPTED_MESSAGE_INVALID", "no permanent key "
                                                  + std::to_string(req.perm_auth_key_id));
  handshake::bind_auth_key_inner inner;
  try {
    inner = handshake::open_bind_message(perm->second.key, req.encrypted_message, m.msg_id);
  } catch (const handshake::bind_error& e) {
    return refuse("ENCRYPTED_MESSAGE_INVALID", e.what());
  }
  if (inner.nonce != req.nonce || inner.perm_auth_key_id != req.perm_auth_key_id
      || inner.expires_at != req.expires_at)
    return refuse("ENCRYPTED_MESSAGE_INVALID", "inner message differs from the request");
  if (static_cast<uint64_t>(inner.temp_auth_key_id) != s.key_id)
    return refuse("ENCRYPTED_MESSAGE_INVALID", "names another temporary key");
  if (inner.temp_session_id != s.id)
    return refuse("ENCRYPTED_MESSAGE_INVALID", "names another session");
  if (temp.bound_to != 0 && temp.bound_to != perm->first)
    return refuse("TEMP_AUTH_KEY_ALREADY_BOUND", "bound to another permanent key");
  temp.bound_to = perm->first;
  ++counters_.temp_keys_bound;
  log(c, "temporary key bound to permanent key "
           + to_hex(byte_view{reinterpret_cast<const uint8_t*>(&perm->first), 8}));
  byte_buffer yes;
  tl::writer{yes}.write_bool(true);
  return rpc_reply::result(std::move(yes));
}

} // namespace mtsender::test_dc
