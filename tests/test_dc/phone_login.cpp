#include "mtsender/tests/test_dc/phone_login.hpp"

#include "mtsender/api/auth/SentCodeType.hpp"

namespace mtsender::test_dc {

namespace {

std::string hash_of(const std::string& phone) { return "hash" + phone; }

// The phone's account, or the error for an unknown phone or the wrong DC.
std::optional<rpc_reply> check_phone(const rpc_call& call, const account_options& opts,
                                     const std::string& phone,
                                     const account_options::phone_account*& out) {
  auto it = opts.phones.find(phone);
  if (it == opts.phones.end())
    return rpc_reply::error(400, "PHONE_NUMBER_INVALID");
  if (opts.phone_migrate && it->second.home_dc != call.dc_id)
    return rpc_reply::error(303, "PHONE_MIGRATE_" + std::to_string(it->second.home_dc));
  out = &it->second;
  return std::nullopt;
}

} // namespace

std::optional<rpc_reply> phone_login_answer(const rpc_call& call, const account_options& opts,
                                            account_book& book) {
  if (!opts.enabled)
    return std::nullopt;
  const account_options::phone_account* acc = nullptr;
  switch (call.constructor_id) {
    case auth_send_code_id: {
      const auto q = api::from_bytes<api::auth::sendCode>(call.query);
      if (auto err = check_phone(call, opts, q.phone_number, acc))
        return err;
      api::auth::sentCode sent;
      api::auth::sentCodeTypeApp app;
      app.length = 5;
      sent.type = app;
      sent.phone_code_hash = hash_of(q.phone_number);
      return rpc_reply::result_of<api::auth::sendCode>(sent);
    }
    case auth_sign_in_id: {
      const auto q = api::from_bytes<api::auth::signIn>(call.query);
      if (auto err = check_phone(call, opts, q.phone_number, acc))
        return err;
      if (q.phone_code_hash.empty())
        return rpc_reply::error(400, "PHONE_CODE_HASH_EMPTY");
      if (q.phone_code_hash != hash_of(q.phone_number))
        return rpc_reply::error(400, "PHONE_CODE_EXPIRED");
      if (!q.phone_code || *q.phone_code != test_phone_code)
        return rpc_reply::error(400, "PHONE_CODE_INVALID");
      book.authorize(call.dc_id, call.auth_key_id, acc->account);
      return authorization_of(acc->account);
    }
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
