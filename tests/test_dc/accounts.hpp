// Accounts in the test DC, modelled on Telegram's rules for bots:
//
//   auth.importBotAuthorization#67a3ff2c flags:int api_id:int api_hash:string
//     bot_auth_token:string = auth.Authorization
//       token "ID:SECRET" (ID a positive number): the auth key becomes account
//       ID on this DC; 400 ACCESS_TOKEN_INVALID for a malformed token or, with
//       accept_any_bot_token off, one not listed; 303 USER_MIGRATE_X when the
//       account's home DC is X, another DC.
//   auth.exportAuthorization#e5bfffcd dc_id:int = auth.ExportedAuthorization
//       needs an account (401 AUTH_KEY_UNREGISTERED); 400 DC_ID_INVALID for
//       this DC or one the server does not run. The bytes are good once, for
//       export_ttl_s, on DC dc_id only.
//   auth.importAuthorization#a57a7dad id:long bytes:bytes = auth.Authorization
//       400 AUTH_BYTES_INVALID unless the bytes were exported for this DC and
//       this id, not used and not expired.
//   users.getUsers#0d91a548 and updates.getState#edd4882a need an account
//       (401 AUTH_KEY_UNREGISTERED); getUsers answers the account's user for
//       each id, getState a fixed updates.state.
//   upload.getFile on a DC other than files_dc (when set): 303 FILE_MIGRATE_X.
//
// The answers are auth.authorization#2ea2c0d4 with a user#b1b8cc83 (self,
// bot, id, access_hash, first_name, username, bot_info_version). A handler
// registered for one of these ids replaces the built-in answer and its rules.
#pragma once

#include "mtsender/api/User.hpp"
#include "mtsender/api/auth/exportAuthorization.hpp"
#include "mtsender/api/auth/importAuthorization.hpp"
#include "mtsender/api/auth/importBotAuthorization.hpp"
#include "mtsender/api/updates/getState.hpp"
#include "mtsender/api/users/getUsers.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/random.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mtsender::test_dc {

// Constructor ids of the methods above and their answers, from the schema.
inline constexpr uint32_t auth_import_bot_authorization_id =
  api::auth::importBotAuthorization::tl_id;
inline constexpr uint32_t auth_export_authorization_id = api::auth::exportAuthorization::tl_id;
inline constexpr uint32_t auth_import_authorization_id = api::auth::importAuthorization::tl_id;
inline constexpr uint32_t auth_authorization_id = api::auth::authorization::tl_id;
inline constexpr uint32_t auth_exported_authorization_id =
  api::auth::exportedAuthorization::tl_id;
inline constexpr uint32_t users_get_users_id = api::users::getUsers::tl_id;
inline constexpr uint32_t updates_get_state_id = api::updates::getState::tl_id;
inline constexpr uint32_t updates_state_id = api::updates::state::tl_id;
inline constexpr uint32_t user_id = api::user::tl_id;

struct account_options {
  bool enabled = true;                   // the built-in methods above
  bool accept_any_bot_token = true;      // false: only bot_tokens
  std::vector<std::string> bot_tokens;   // "ID:SECRET"
  std::map<int64_t, int32_t> home_dc;    // account -> home DC; absent: any DC
  int32_t files_dc = 0;                  // 0: files on every DC
  // Phone logins (phone_login.hpp): phone number -> its account and home
  // DC; login calls on another DC get PHONE_MIGRATE_X unless phone_migrate
  // is off.
  struct phone_account {
    int64_t account = 0;
    int32_t home_dc = 0;
  };
  std::map<std::string, phone_account> phones;
  bool phone_migrate = true;
  int32_t export_ttl_s = 60;
};

// Which auth key is which account, and the exported authorizations: shared
// by every DC of one server. Thread-safe.
class account_book {
public:
  std::optional<int64_t> account_of(int32_t dc, uint64_t key_id) const;
  void authorize(int32_t dc, uint64_t key_id, int64_t account);
  byte_buffer export_to(int64_t account, int32_t target_dc, int64_t expires, random_source& rnd);
  // The account, if `bytes` were exported for `dc` and `id` and are still good
  // (then they are spent).
  std::optional<int64_t> redeem(int32_t dc, int64_t id, byte_view bytes, int64_t now);

private:
  struct exported {
    int64_t account = 0;
    int32_t target_dc = 0;
    int64_t expires = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<int32_t, uint64_t>, int64_t> keys_;
  std::map<byte_buffer, exported> exported_;
};

// auth.authorization for the account (the answer of every login).
rpc_reply authorization_of(int64_t account);

// The built-in answer of the account methods, or nullopt when `call` is not
// one of them. `dc_ids`: the DCs of the server. Throws tl::decode_error.
std::optional<rpc_reply> account_answer(const rpc_call& call, const account_options& opts,
                                        account_book& book, const std::vector<int32_t>& dc_ids,
                                        int64_t now, random_source& rnd);

} // namespace mtsender::test_dc
