// Phone logins in the test DC, modelled on Telegram's: a phone number's
// account lives on one DC, and the login calls made on any other DC get
// 303 PHONE_MIGRATE_X (core.telegram.org/api/datacenter), so a client must
// move its home DC before it can log in.
//
//   auth.sendCode#a677244f phone_number:string api_id:int api_hash:string
//     settings:CodeSettings = auth.SentCode
//       a listed phone on its home DC: auth.sentCode (type app, 5 digits,
//       phone_code_hash "hash" + phone); unlisted: 400 PHONE_NUMBER_INVALID.
//   auth.signIn#8d52a951 flags:# phone_number:string phone_code_hash:string
//     phone_code:flags.0?string ... = auth.Authorization
//       on the home DC: the hash sendCode gave (else 400
//       PHONE_CODE_HASH_EMPTY / PHONE_CODE_EXPIRED) and code "12345" (else
//       400 PHONE_CODE_INVALID) authorize the key as the phone's account.
//
// With phone_migrate off, a listed phone is served on any DC.
#pragma once

#include "mtsender/api/auth/sendCode.hpp"
#include "mtsender/api/auth/signIn.hpp"
#include "mtsender/tests/test_dc/accounts.hpp"

#include <optional>

namespace mtsender::test_dc {

// Constructor ids of the methods above and their answer, from the schema.
inline constexpr uint32_t auth_send_code_id = api::auth::sendCode::tl_id;
inline constexpr uint32_t auth_sign_in_id = api::auth::signIn::tl_id;
inline constexpr uint32_t auth_sent_code_id = api::auth::sentCode::tl_id;
inline constexpr const char* test_phone_code = "12345";

// The answer to a phone login call, or nullopt for other calls.
std::optional<rpc_reply> phone_login_answer(const rpc_call& call, const account_options& opts,
                                            account_book& book);

} // namespace mtsender::test_dc
