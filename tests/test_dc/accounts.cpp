#include "mtsender/tests/test_dc/accounts.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/phone_login.hpp"

#include <algorithm>
#include <cctype>

namespace mtsender::test_dc {

std::optional<int64_t> account_book::account_of(int32_t dc, uint64_t key_id) const {
  std::lock_guard<std::mutex> lock{mu_};
  auto it = keys_.find({dc, key_id});
  if (it == keys_.end())
    return std::nullopt;
  return it->second;
}

void account_book::authorize(int32_t dc, uint64_t key_id, int64_t account) {
  std::lock_guard<std::mutex> lock{mu_};
  keys_[{dc, key_id}] = account;
}

byte_buffer account_book::export_to(int64_t account, int32_t target_dc, int64_t expires,
                                    random_source& rnd) {
  byte_buffer bytes(32);
  rnd.fill(bytes.data(), bytes.size());
  std::lock_guard<std::mutex> lock{mu_};
  // Spent and expired ones go: the book stays small.
  for (auto it = exported_.begin(); it != exported_.end();)
    it = it->second.expires < expires - 3600 ? exported_.erase(it) : std::next(it);
  exported_[bytes] = exported{account, target_dc, expires};
  return bytes;
}

std::optional<int64_t> account_book::redeem(int32_t dc, int64_t id, byte_view bytes,
                                            int64_t now) {
  std::lock_guard<std::mutex> lock{mu_};
  auto it = exported_.find(bytes.to_buffer());
  if (it == exported_.end())
    return std::nullopt;
  const auto e = it->second;
  if (e.target_dc != dc || e.account != id || now > e.expires)
    return std::nullopt;
  exported_.erase(it);   // good once
  return e.account;
}

namespace {

api::user user_of(int64_t account) {
  api::user u;
  u.self = true;
  u.bot = true;
  u.id = account;
  u.access_hash = account * 7919 + 1;
  u.first_name = "Test bot " + std::to_string(account);
  u.username = "test" + std::to_string(account) + "_bot";
  u.bot_info_version = 1;
  return u;
}

} // namespace

rpc_reply authorization_of(int64_t account) {
  api::auth::authorization a;
  a.user = user_of(account);
  return rpc_reply::result_of<api::auth::importAuthorization>(a);
}

namespace {

rpc_reply unregistered() { return rpc_reply::error(401, "AUTH_KEY_UNREGISTERED"); }

// "ID:SECRET" -> ID (positive), or nullopt.
std::optional<int64_t> bot_id_of(const std::string& token) {
  const auto colon = token.find(':');
  if (colon == 0 || colon == std::string::npos || colon > 18 || colon + 1 == token.size())
    return std::nullopt;
  int64_t id = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(token[i])))
      return std::nullopt;
    id = id * 10 + (token[i] - '0');
  }
  if (id <= 0)
    return std::nullopt;
  return id;
}

} // namespace

std::optional<rpc_reply> account_answer(const rpc_call& call, const account_options& opts,
                                        account_book& book, const std::vector<int32_t>& dc_ids,
                                        int64_t now, random_source& rnd) {
  if (!opts.enabled)
    return std::nullopt;
  if (auto p = phone_login_answer(call, opts, book))   // phone_login.hpp
    return p;
  switch (call.constructor_id) {
    case auth_import_bot_authorization_id: {
      const std::string token =
        api::from_bytes<api::auth::importBotAuthorization>(call.query).bot_auth_token;
      auto id = bot_id_of(token);
      if (!id || (!opts.accept_any_bot_token
                  && std::find(opts.bot_tokens.begin(), opts.bot_tokens.end(), token)
                       == opts.bot_tokens.end()))
        return rpc_reply::error(400, "ACCESS_TOKEN_INVALID");
      auto home = opts.home_dc.find(*id);
      if (home != opts.home_dc.end() && home->second != call.dc_id)
        return rpc_reply::error(303, "USER_MIGRATE_" + std::to_string(home->second));
      book.authorize(call.dc_id, call.auth_key_id, *id);
      return authorization_of(*id);
    }
    case auth_export_authorization_id: {
      const int32_t target = api::from_bytes<api::auth::exportAuthorization>(call.query).dc_id;
      auto account = book.account_of(call.dc_id, call.auth_key_id);
      if (!account)
        return unregistered();
      if (target == call.dc_id || std::find(dc_ids.begin(), dc_ids.end(), target) == dc_ids.end())
        return rpc_reply::error(400, "DC_ID_INVALID");
      auto bytes = book.export_to(*account, target, now + opts.export_ttl_s, rnd);
      return rpc_reply::result_of<api::auth::exportAuthorization>({*account, std::move(bytes)});
    }
    case auth_import_authorization_id: {
      const auto q = api::from_bytes<api::auth::importAuthorization>(call.query);
      auto account = book.redeem(call.dc_id, q.id, q.bytes, now);
      if (!account)
        return rpc_reply::error(400, "AUTH_BYTES_INVALID");
      book.authorize(call.dc_id, call.auth_key_id, *account);
      return authorization_of(*account);
    }
    case users_get_users_id: {
      auto account = book.account_of(call.dc_id, call.auth_key_id);
      if (!account)
        return unregistered();
      const auto n = api::from_bytes<api::users::getUsers>(call.query).id.size();
      return rpc_reply::result_of<api::users::getUsers>(
        std::vector<api::User>(n, api::User{user_of(*account)}));
    }
    case updates_get_state_id: {
      if (!book.account_of(call.dc_id, call.auth_key_id))
        return unregistered();
      api::from_bytes<api::updates::getState>(call.query);
      return rpc_reply::result_of<api::updates::getState>({1, 0, int32_t(now), 1, 0});
    }
    case upload_get_file_id:
      if (opts.files_dc != 0 && opts.files_dc != call.dc_id)
        return rpc_reply::error(303, "FILE_MIGRATE_" + std::to_string(opts.files_dc));
      return std::nullopt;   // the file itself: builtin_methods
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
