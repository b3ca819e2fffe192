// The account's home DC and Telegram's *_MIGRATE_X answers.
//
// - FILE_MIGRATE_X, STATS_MIGRATE_X: that request goes to DC X.
// - USER_MIGRATE_X, PHONE_MIGRATE_X, NETWORK_MIGRATE_X: the account lives on
//   DC X: the home DC moves there (listeners get home_dc_changed, the store
//   saves it as its main DC) and the request goes to X.
//
// A request follows at most two migrations (a server that keeps bouncing it
// gets its error back), to a DC without an address only once help.getConfig
// named it (pool_dc_config.cpp), and never with
// rpc_options::follow_migrate off. The DC answered, so its circuit breaker
// counts a success; the request starts a new retry call on the new DC and
// keeps its deadline, so it still gets exactly one answer.
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/messages/error.hpp"

namespace mtsender::pool_detail {

namespace {

constexpr int max_migrations = 2;

bool moves_home(const std::string& name) {
  return name == "USER_MIGRATE" || name == "PHONE_MIGRATE" || name == "NETWORK_MIGRATE";
}

void set_home(pool_ptr self, int32_t dc) {
  auto& st = self->state;
  if (st.home_dc == dc)
    return;
  st.home_dc = dc;
  if (st.cfg.store) {
    st.stored.main_dc = dc;
    if (st.writer)
      caf::anon_send(st.writer, store_save_atom::value, st.stored);
  }
  frame_event ev;
  ev.dc_id = dc;
  ev.kind = frame_event_kind::home_dc_changed;
  ev.value = dc;
  ev.what = "the account's home DC is now DC " + std::to_string(dc);
  publish(self, std::move(ev));
}

} // namespace

int32_t initial_home_dc(const pool_state& st) {
  if (st.cfg.home_dc != 0)
    return st.cfg.home_dc;
  if (st.stored.main_dc != 0)
    return st.stored.main_dc;
  return st.cfg.dcs.empty() ? 0 : st.cfg.dcs.front().dc_id;
}

bool follow_migration(pool_ptr self, invocation& inv, const caf::error& err) {
  auto& st = self->state;
  if (err != errc::rpc_failed || !inv.options.follow_migrate)
    return false;
  const auto* d = detail_of(err);
  if (!d)
    return false;
  auto target = d->rpc.migrate_dc();
  if (!target || inv.migrations >= max_migrations)
    return false;
  const auto& name = d->rpc.name;
  const bool home = moves_home(name);
  if (!home && name != "FILE_MIGRATE" && name != "STATS_MIGRATE")
    return false;
  if (sclock::now() >= inv.deadline)
    return false;
  if (st.dcs.count(*target) == 0)   // help.getConfig may know it (pool_dc_config.cpp)
    return wait_for_migration_dc(self, inv, *target, err);
  inv.rc->on_success(sclock::now());   // the old DC answered
  ++inv.migrations;
  if (home)
    set_home(self, *target);
  inv.dc_id = *target;
  restart_attempts(self, inv);
  return true;
}

} // namespace mtsender::pool_detail
