// Authorization across DCs: an account logs in on its home DC; every other
// DC's key must be given that login before it may act for the account
// (core.telegram.org/api/datacenter#authorization-transfer): the home DC
// exports it (auth.exportAuthorization(dc_id) -> id, bytes) and the other DC
// imports it (auth.importAuthorization(id, bytes) -> auth.authorization).
//
// The pool does this by itself, once per DC and key: a request for a DC
// whose key is not authorized, when the home DC's is, waits while one
// export/import runs for every request waiting for that DC; a failure
// reaches each of them as the step's error (its code and detail, `what`
// naming the step). A login or import that answers auth.authorization marks
// its DC (kept in the store with the key); a new key starts unauthorized.
// Login calls, the transfer itself and help/langpack calls never wait.
// The two calls are invokes of the pool to itself, so they get its routing,
// retries, migrations and deadlines like any request.
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/api/auth/bindTempAuthKey.hpp"
#include "mtsender/api/auth/cancelCode.hpp"
#include "mtsender/api/auth/checkPassword.hpp"
#include "mtsender/api/auth/checkRecoveryPassword.hpp"
#include "mtsender/api/auth/dropTempAuthKeys.hpp"
#include "mtsender/api/auth/exportAuthorization.hpp"
#include "mtsender/api/auth/exportLoginToken.hpp"
#include "mtsender/api/auth/importAuthorization.hpp"
#include "mtsender/api/auth/importBotAuthorization.hpp"
#include "mtsender/api/auth/importLoginToken.hpp"
#include "mtsender/api/auth/importWebTokenAuthorization.hpp"
#include "mtsender/api/auth/recoverPassword.hpp"
#include "mtsender/api/auth/requestFirebaseSms.hpp"
#include "mtsender/api/auth/requestPasswordRecovery.hpp"
#include "mtsender/api/auth/resendCode.hpp"
#include "mtsender/api/auth/sendCode.hpp"
#include "mtsender/api/auth/signIn.hpp"
#include "mtsender/api/auth/signUp.hpp"
#include "mtsender/api/help/getAppConfig.hpp"
#include "mtsender/api/help/getAppUpdate.hpp"
#include "mtsender/api/help/getCdnConfig.hpp"
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getCountriesList.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/help/getTermsOfServiceUpdate.hpp"
#include "mtsender/api/langpack/getDifference.hpp"
#include "mtsender/api/langpack/getLangPack.hpp"
#include "mtsender/api/langpack/getLanguage.hpp"
#include "mtsender/api/langpack/getLanguages.hpp"
#include "mtsender/api/langpack/getStrings.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/invoke.hpp"

#include <stdexcept>

namespace mtsender::pool_detail {

namespace {

// Calls that log in (their auth.authorization answer authorizes the key).
bool logs_in(uint32_t method) {
  namespace auth = api::auth;
  switch (method) {
    case auth::importBotAuthorization::tl_id:
    case auth::signIn::tl_id:
    case auth::signUp::tl_id:
    case auth::checkPassword::tl_id:
    case auth::recoverPassword::tl_id:
    case auth::importWebTokenAuthorization::tl_id:
    case auth::importAuthorization::tl_id:
      return true;
    default:
      return false;
  }
}

// Calls a key may make before it is logged in: they never wait.
bool needs_no_login(uint32_t method) {
  if (logs_in(method))
    return true;
  namespace auth = api::auth;
  namespace help = api::help;
  namespace langpack = api::langpack;
  switch (method) {
    case auth::sendCode::tl_id:
    case auth::resendCode::tl_id:
    case auth::cancelCode::tl_id:
    case auth::requestPasswordRecovery::tl_id:
    case auth::checkRecoveryPassword::tl_id:
    case auth::requestFirebaseSms::tl_id:
    case auth::exportLoginToken::tl_id:
    case auth::importLoginToken::tl_id:
    case auth::bindTempAuthKey::tl_id:
    case auth::dropTempAuthKeys::tl_id:
    case auth::exportAuthorization::tl_id:
    case help::getConfig::tl_id:
    case help::getNearestDc::tl_id:
    case help::getCdnConfig::tl_id:
    case help::getAppConfig::tl_id:
    case help::getAppUpdate::tl_id:
    case help::getCountriesList::tl_id:
    case help::getTermsOfServiceUpdate::tl_id:
    case langpack::getLangPack::tl_id:
    case langpack::getStrings::tl_id:
    case langpack::getDifference::tl_id:
    case langpack::getLanguages::tl_id:
    case langpack::getLanguage::tl_id:
      return true;
    default:
      return false;
  }
}

// An answer that is auth.authorization (not auth.authorizationSignUpRequired).
bool is_authorization(const rpc_response& r) {
  return r.bytes.size() >= 4 && load_le32(r.bytes.data()) == api::auth::authorization::tl_id;
}

void save(pool_ptr self) {
  auto& st = self->state;
  if (st.cfg.store && st.writer)
    caf::anon_send(st.writer, store_save_atom::value, st.stored);
}

void set_stored(pool_ptr self, int32_t dc_id, bool authorized) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  for (auto& k : st.stored.keys)
    if (k.dc_id == dc_id && k.authorized != authorized) {
      k.authorized = authorized;
      save(self);
    }
}

// The step's error for the waiting requests: its code and detail, `what`
// saying which step of authorizing which DC failed.
caf::error step_error(pool_ptr self, int32_t dc_id, const std::string& step, const caf::error& e) {
  error_detail d;
  errc code = errc::dropped;
  std::string cause;
  if (const auto* det = detail_of(e)) {
    d = *det;
    code = static_cast<errc>(e.code());
    cause = !d.rpc.message.empty() ? std::to_string(d.rpc.code) + " " + d.rpc.message : d.what;
    if (!d.rpc.message.empty() && !d.what.empty())
      cause += " (" + d.what + ")";
  } else if (e.category() == error_category) {
    code = static_cast<errc>(e.code());
    cause = to_string(code);
  } else {
    cause = self->system().render(e);
  }
  d.what = "authorizing DC " + std::to_string(dc_id) + " for the account failed at " + step + ": "
           + cause + "; the request was never sent";
  d.dc_id = dc_id;
  d.may_have_executed = false;
  return make_error(code, std::move(d));
}

// The import ended: the waiting requests go on (err empty) or fail with it.
void end_import(pool_ptr self, int32_t dc_id, const caf::error& err) {
  auto& st = self->state;
  auto d = st.dcs.find(dc_id);
  if (d == st.dcs.end())
    return;
  auto& dc = d->second;
  dc.importing = false;
  auto ids = std::move(dc.auth_waiting);
  dc.auth_waiting.clear();
  if (st.shutting_down)
    return;
  for (auto id : ids) {
    auto i = st.invocations.find(id);
    if (i == st.invocations.end() || i->second.where != inv_where::queued
        || i->second.dc_id != dc_id)
      continue;   // answered meanwhile (deadline, cancel)
    if (err)
      fail_held(self, i->second, err);
    else
      dispatch(self, i->second);
  }
}

void import_exported(pool_ptr self, int32_t dc_id, const rpc_response& exported) {
  const std::string step = "auth.importAuthorization on DC " + std::to_string(dc_id);
  rpc_request req;
  try {
    auto x = decode_result<api::auth::exportAuthorization>(exported);
    req = make_request(api::auth::importAuthorization{x.id, std::move(x.bytes)});
  } catch (const std::exception& ex) {
    end_import(self, dc_id,
               step_error(self, dc_id, "auth.exportAuthorization",
                          make_error(errc::malformed_reply, ex.what())));
    return;
  }
  self->request(caf::actor_cast<caf::actor>(self), caf::infinite, invoke_atom::value, dc_id,
                std::move(req))
    .then(
      [=](rpc_response& r) {
        // learn_authorization marked the DC when the answer came.
        auto& dc = self->state.dcs[dc_id];
        if (dc.authorized) {
          end_import(self, dc_id, caf::error{});
          return;
        }
        end_import(self, dc_id,
                   step_error(self, dc_id, step,
                              make_error(errc::malformed_reply,
                                         is_authorization(r) ? "the DC's key was replaced meanwhile"
                                              : "the answer is not auth.authorization")));
      },
      [=](caf::error& e) { end_import(self, dc_id, step_error(self, dc_id, step, e)); });
}

void start_import(pool_ptr self, dc_entry& dc) {
  auto& st = self->state;
  dc.importing = true;
  const int32_t dc_id = dc.id;
  const int32_t home = st.home_dc;
  const std::string step = "auth.exportAuthorization on home DC " + std::to_string(home);
  self->request(caf::actor_cast<caf::actor>(self), caf::infinite, invoke_atom::value, home,
                make_request(api::auth::exportAuthorization{dc_id}))
    .then([=](rpc_response& r) { import_exported(self, dc_id, r); },
          [=](caf::error& e) {
            // The home DC says it has no login for this key: it is not
            // authorized any more (requests then go out as they are).
            const auto* d = detail_of(e);
            if (e == errc::rpc_failed && d && d->rpc.code == 401) {
              auto h = self->state.dcs.find(home);
              if (h != self->state.dcs.end())
                forget_authorization(self, h->second);
            }
            end_import(self, dc_id, step_error(self, dc_id, step, e));
          });
}

} // namespace

bool hold_for_authorization(pool_ptr self, invocation& inv) {
  auto& st = self->state;
  if (!st.cfg.export_authorization || inv.dc_id == st.home_dc || needs_no_login(inv.method))
    return false;
  auto& dc = st.dcs[inv.dc_id];
  if (dc.authorized)
    return false;
  auto home = st.dcs.find(st.home_dc);
  if (home == st.dcs.end() || !home->second.authorized)
    return false;   // not logged in: nothing to export, the request goes as it is
  inv.where = inv_where::queued;
  dc.auth_waiting.push_back(inv.id);
  arm_pool_deadline(self, inv);
  if (!dc.importing)
    start_import(self, dc);
  return true;
}

void learn_authorization(pool_ptr self, const invocation& inv, const rpc_response& r) {
  if (!logs_in(inv.method) || !is_authorization(r))
    return;
  auto& dc = self->state.dcs[inv.dc_id];
  if (dc.authorized)
    return;
  dc.authorized = true;
  set_stored(self, dc.id, true);
}

void forget_authorization(pool_ptr self, dc_entry& dc) {
  if (!dc.authorized)
    return;
  dc.authorized = false;
  set_stored(self, dc.id, false);
}

bool reauthorize(pool_ptr self, invocation& inv, const caf::error& err) {
  auto& st = self->state;
  if (err != errc::rpc_failed || inv.reauthorized || !st.cfg.export_authorization
      || inv.dc_id == st.home_dc || needs_no_login(inv.method))
    return false;
  const auto* d = detail_of(err);
  if (!d || d->rpc.code != 401 || d->rpc.name != "AUTH_KEY_UNREGISTERED")
    return false;
  auto home = st.dcs.find(st.home_dc);
  if (home == st.dcs.end() || !home->second.authorized || sclock::now() >= inv.deadline)
    return false;
  // The DC forgot the login (or never had it): import it again, once.
  inv.reauthorized = true;
  inv.rc->on_success(sclock::now());   // the DC answered
  forget_authorization(self, st.dcs[inv.dc_id]);
  restart_attempts(self, inv);
  return true;
}

} // namespace mtsender::pool_detail
