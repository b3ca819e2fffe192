// The live DC table: help.getConfig's dc_options (actors/dc_table.hpp
// chooses one route per DC) added to the pool's DCs and kept in the store.
//
// When: once after the pool's first connection becomes ready, on
// refresh_dc_config, and when an invoke names a DC the pool has no address
// for: that request waits for the answer, then is invoked again if the DC is
// known, else answered unknown_dc naming the DC and what help.getConfig said
// (it waits at most pool_config::dc_config_deadline). One help.getConfig runs
// at a time and everything asking meanwhile shares it. It is an invoke of the
// pool to itself (routing, retries, its own deadline), so it always ends,
// and so does everything waiting for it.
//
// Applying: a main or CDN DC of the answer (never a media-only option:
// requests to a DC id use its main route) is added, or moved to the new route (its live
// connections stay; the next ones use the new address), unless it is pinned
// (pool_config::pin_configured_dcs). A DC missing from the answer is kept:
// an answer may leave DCs out, and a key is worth more than a tidy table.
// Listeners get dc_table_changed when something changed.
#include "mtsender/actors/dc_table.hpp"
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/invoke.hpp"

#include "mtsender/api/Config.hpp"
#include "mtsender/api/CdnPublicKey.hpp"
#include "mtsender/api/help/getCdnConfig.hpp"
#include "mtsender/api/help/getConfig.hpp"

#include <algorithm>
#include <cstring>

namespace mtsender::pool_detail {

namespace {

using std::chrono::milliseconds;

dc_entry& add_dc(pool_ptr self, int32_t id) {
  auto& st = self->state;
  auto& dc = st.dcs[id];
  if (dc.id == 0) {
    dc.id = id;
    dc.ep.dc_id = id;
    layout_slots(st.cfg, dc);   // pool_classes.cpp
    dc.stats.dc_id = id;
  }
  return dc;
}

std::string address_of(const dc_endpoint& ep) {
  return ep.host.find(':') != std::string::npos
           ? "[" + ep.host + "]:" + std::to_string(ep.port)
           : ep.host + ":" + std::to_string(ep.port);
}

bool same_route(const dc_entry& dc, const dc_route& r) {
  return dc.ep.host == r.ep.host && dc.ep.port == r.ep.port
         && dc.obfuscated_only == r.obfuscated_only && dc.proxy_secret == r.secret;
}

dc_table_snapshot snapshot_of(pool_ptr self) {
  dc_table_snapshot s;
  for (auto& [id, dc] : self->state.dcs)
    s.dcs.push_back({id, dc.ep.host, dc.ep.port, dc.learned, dc.pinned, dc.obfuscated_only});
  return s;
}

// What the answer changed: added or moved DCs, saved and published.
uint32_t apply(pool_ptr self, const dc_table& t, int32_t asked) {
  auto& st = self->state;
  uint32_t changed = 0;
  std::string what;
  auto routes = t.main;
  for (auto& [id, route] : t.cdn)   // reachable when asked for; main ids win
    routes.emplace(id, route);
  for (auto& [id, route] : routes) {
    auto it = st.dcs.find(id);
    const bool fresh = it == st.dcs.end();
    if (!fresh && (it->second.pinned || same_route(it->second, route)))
      continue;
    auto& dc = add_dc(self, id);
    what += std::string(what.empty() ? "" : ", ") + "DC " + std::to_string(id)
            + (fresh ? " added at " : " moved to ") + address_of(route.ep)
            + (route.obfuscated_only ? " (obfuscated only)" : "");
    dc.ep = route.ep;
    dc.obfuscated_only = route.obfuscated_only;
    dc.proxy_secret = route.secret;
    dc.learned = true;
    ++changed;
    if (st.cfg.store)
      st.stored.set_address(stored_address_of(dc));
  }
  if (changed == 0)
    return 0;
  if (st.cfg.store && st.writer)
    caf::anon_send(st.writer, store_save_atom::value, st.stored);
  frame_event ev;
  ev.dc_id = asked;
  ev.kind = frame_event_kind::dc_table_changed;
  ev.value = changed;
  ev.what = "help.getConfig on DC " + std::to_string(asked) + ": " + what;
  publish(self, std::move(ev));
  return changed;
}

// The error a request for an unknown DC gets.
caf::error unknown_dc_error(pool_ptr self, int32_t dc_id, int32_t asked, const caf::error* cause) {
  error_detail d;
  d.dc_id = dc_id;
  d.what = "no address known for DC " + std::to_string(dc_id);
  if (asked == 0)
    d.what += ", and no DC to ask help.getConfig";
  else if (cause)
    d.what += ", and help.getConfig on DC " + std::to_string(asked) + " failed: "
              + (detail_of(*cause) ? detail_of(*cause)->what : std::string{})
              + (cause->category() == error_category
                   ? " (" + std::string(to_string(static_cast<errc>(cause->code()))) + ")"
                   : " (" + self->system().render(*cause) + ")");
  else
    d.what += ": help.getConfig on DC " + std::to_string(asked) + " does not list it";
  return make_error(errc::unknown_dc, std::move(d));
}

// The refresh ended: with the new table (`snap`) or the error of help.getConfig.
void end_refresh(pool_ptr self, const dc_table_snapshot* snap, const caf::error& err) {
  auto& st = self->state;
  auto& dcc = st.dc_config;
  const int32_t asked = dcc.asking;
  dcc.running = false;
  dcc.asking = 0;
  auto waiters = std::move(dcc.waiters);
  dcc.waiters.clear();
  auto unknown = std::move(dcc.unknown);
  dcc.unknown.clear();
  auto migrating = std::move(dcc.migrating);
  dcc.migrating.clear();
  if (st.shutting_down)
    return;   // dc_config_shut_down and shut_down answered them
  for (auto& w : waiters) {
    if (snap)
      w.deliver(*snap);
    else
      w.deliver(err);
  }
  const auto now = sclock::now();
  for (auto& u : unknown) {
    if (st.dcs.count(u.dc_id) == 0) {
      u.rp.deliver(unknown_dc_error(self, u.dc_id, asked, snap ? nullptr : &err));
      continue;
    }
    auto left = std::chrono::duration_cast<milliseconds>(u.deadline - now).count();
    if (left <= 0) {
      error_detail d;
      d.dc_id = u.dc_id;
      d.what = "deadline passed while the pool learned the address of DC "
               + std::to_string(u.dc_id) + "; the request was never sent";
      u.rp.deliver(make_error(errc::deadline_exceeded, std::move(d)));
      continue;
    }
    u.req.options.deadline_ms = left;
    // The caller gets the answer straight from the new invoke.
    u.rp.delegate(caf::actor_cast<caf::actor>(self), invoke_atom::value, u.dc_id,
                  std::move(u.req));
  }
  for (auto& [id, migrate_err] : migrating) {
    auto i = st.invocations.find(id);
    if (i == st.invocations.end() || i->second.where != inv_where::queued)
      continue;   // answered meanwhile (deadline, cancel)
    auto& inv = i->second;
    const auto* d = detail_of(migrate_err);
    const auto target = d ? d->rpc.migrate_dc() : std::nullopt;
    // Known now: follow it (the DC is known, so it does not wait again).
    if (target && st.dcs.count(*target) != 0 && follow_migration(self, inv, migrate_err))
      continue;
    fail_held(self, inv, migrate_err);
  }
}

// help.getCdnConfig's keys, by DC. A key that does not parse is left out
// and named in `bad`.
std::map<int32_t, std::vector<crypto::rsa_public_key>> cdn_keys_of(const api::cdnConfig& c,
                                                                   std::string& bad) {
  std::map<int32_t, std::vector<crypto::rsa_public_key>> out;
  for (auto& k : c.public_keys) {
    auto* key = k.get_if<api::cdnPublicKey>();
    if (!key)
      continue;
    try {
      out[key->dc_id].push_back(crypto::rsa_public_key::from_pem(key->public_key));
    } catch (const std::exception& e) {
      bad += (bad.empty() ? "" : "; ") + std::string("DC ") + std::to_string(key->dc_id) + ": "
             + e.what();
    }
  }
  return out;
}

void ask_cdn_keys(pool_ptr self, int32_t dc, dc_table_snapshot snap) {
  auto& st = self->state;
  rpc_options o;
  o.deadline_ms = std::max<int64_t>(1, st.cfg.dc_config_deadline.count());
  o.safe_to_repeat = true;
  auto done = std::make_shared<dc_table_snapshot>(std::move(snap));
  self->request(caf::actor_cast<caf::actor>(self), caf::infinite, invoke_atom::value, dc,
                make_request(api::help::getCdnConfig{}, o))
    .then(
      [=](rpc_response& r) {
        try {
          std::string bad;
          self->state.dc_config.cdn_keys =
            cdn_keys_of(decode_result<api::help::getCdnConfig>(r), bad);
          if (!bad.empty())
            done->rejected.push_back("help.getCdnConfig: unreadable keys: " + bad);
        } catch (const std::exception& e) {
          done->rejected.push_back(std::string("answer to help.getCdnConfig: ") + e.what());
        }
        end_refresh(self, done.get(), caf::error{});
      },
      [=](caf::error& e) {
        // The table is still learned; only CDN DCs lack keys (their
        // handshakes then fail, and downloads through them with it).
        done->rejected.push_back("help.getCdnConfig on DC " + std::to_string(dc)
                                 + " failed: " + self->system().render(e));
        end_refresh(self, done.get(), caf::error{});
      });
}

void on_config(pool_ptr self, const rpc_response& r) {
  auto& st = self->state;
  const int32_t asked = st.dc_config.asking;
  api::config c;
  try {
    c = decode_result<api::help::getConfig>(r);
  } catch (const std::exception& e) {
    error_detail d;
    d.dc_id = asked;
    d.what = std::string("answer to help.getConfig: ") + e.what();
    end_refresh(self, nullptr, make_error(errc::malformed_reply, std::move(d)));
    return;
  }
  auto t = make_dc_table(c.dc_options, st.cfg.dc_rules);
  const uint32_t changed = apply(self, t, asked);
  auto snap = snapshot_of(self);
  snap.asked_dc = asked;
  snap.changed = changed;
  snap.rejected = std::move(t.rejected);
  if (t.cdn.empty()) {
    end_refresh(self, &snap, caf::error{});
    return;
  }
  // A CDN DC's handshake needs its own keys: learn them before the refresh
  // ends, so a download waiting for it does not connect without them.
  ask_cdn_keys(self, asked, std::move(snap));
}

bool has_ready_slot(const dc_entry& dc) {
  return std::any_of(dc.slots.begin(), dc.slots.end(),
                     [](const slot& s) { return s.phase == slot_phase::ready; });
}

// The DC to ask: the one named, else home if it is up, else any that is up,
// else home (it will connect), else the first known.
int32_t dc_to_ask(pool_ptr self, int32_t wanted) {
  auto& st = self->state;
  if (wanted != 0)
    return st.dcs.count(wanted) ? wanted : 0;
  auto home = st.dcs.find(st.home_dc);
  if (home != st.dcs.end() && has_ready_slot(home->second))
    return st.home_dc;
  for (auto& [id, dc] : st.dcs)
    if (has_ready_slot(dc))
      return id;
  if (home != st.dcs.end())
    return st.home_dc;
  return st.dcs.empty() ? 0 : st.dcs.begin()->first;
}

// Starts help.getConfig unless one runs; false when there is no DC to ask.
bool start_refresh(pool_ptr self, int32_t wanted, milliseconds deadline) {
  auto& st = self->state;
  auto& dcc = st.dc_config;
  if (dcc.running)
    return true;
  const int32_t dc = dc_to_ask(self, wanted);
  if (dc == 0)
    return false;
  dcc.running = true;
  dcc.asking = dc;
  rpc_options o;
  o.deadline_ms = std::max<int64_t>(1, deadline.count());
  o.safe_to_repeat = true;   // it only reads
  self->request(caf::actor_cast<caf::actor>(self), caf::infinite, invoke_atom::value, dc,
                make_request(api::help::getConfig{}, o))
    .then([=](rpc_response& r) { on_config(self, r); },
          [=](caf::error& e) { end_refresh(self, nullptr, e); });
  return true;
}

} // namespace

void load_dc_table(pool_ptr self) {
  auto& st = self->state;
  for (auto& ep : st.cfg.dcs) {
    auto& dc = add_dc(self, ep.dc_id);
    dc.ep = ep;
    dc.pinned = st.cfg.pin_configured_dcs;
  }
  for (auto& a : st.stored.addresses) {
    auto& dc = add_dc(self, a.dc_id);
    if (dc.pinned)
      continue;
    const bool configured = !dc.ep.host.empty();
    if (configured && dc.ep.host == a.host && dc.ep.port == a.port && !a.obfuscated_only)
      continue;
    dc.ep = {a.dc_id, a.host, a.port};
    dc.obfuscated_only = a.obfuscated_only;
    dc.proxy_secret.reset();
    if (a.secret.size() == 16) {
      int128 s;
      std::memcpy(s.data(), a.secret.data(), 16);
      dc.proxy_secret = s;
    }
    // Not the configured address: the store learned it (help.getConfig,
    // or a configuration of an earlier run).
    dc.learned = true;
  }
}

void dc_config_on_ready(pool_ptr self, dc_entry& dc) {
  auto& st = self->state;
  if (!st.cfg.learn_dcs || st.dc_config.asked_after_start || st.shutting_down)
    return;
  st.dc_config.asked_after_start = true;
  start_refresh(self, dc.id, st.cfg.dc_config_deadline);
}

caf::result<dc_table_snapshot> on_refresh_dc_config(pool_ptr self, const refresh_dc_config& r) {
  auto& st = self->state;
  if (st.shutting_down)
    return make_error(errc::dropped, "the pool is shutting down");
  if (r.dc_id != 0 && st.dcs.count(r.dc_id) == 0)
    return unknown_dc_error(self, r.dc_id, 0, nullptr);
  const auto deadline = r.deadline_ms > 0 ? milliseconds(r.deadline_ms)
                                          : st.cfg.dc_config_deadline;
  // A refresh that already runs is shared, even if it asks another DC.
  if (!start_refresh(self, r.dc_id, deadline))
    return make_error(errc::unknown_dc, "the pool knows no DC to ask help.getConfig");
  auto rp = self->make_response_promise<dc_table_snapshot>();
  st.dc_config.waiters.push_back(rp);
  return rp;
}

std::optional<caf::result<rpc_response>> wait_for_unknown_dc(pool_ptr self, int32_t dc_id,
                                                            rpc_request& req) {
  auto& st = self->state;
  if (!st.cfg.learn_dcs || dc_id <= 0 || dc_id > max_dc_id)
    return std::nullopt;
  auto& dcc = st.dc_config;
  if (dcc.unknown.size() >= st.cfg.max_queued)
    return caf::result<rpc_response>(make_error(
      errc::overloaded, std::to_string(dcc.unknown.size())
                          + " requests wait for help.getConfig to name their DC"));
  if (!start_refresh(self, 0, st.cfg.dc_config_deadline))
    return caf::result<rpc_response>(unknown_dc_error(self, dc_id, 0, nullptr));
  unknown_dc_wait w;
  w.dc_id = dc_id;
  w.req = std::move(req);
  const auto limit = w.req.options.deadline_ms > 0 ? milliseconds(w.req.options.deadline_ms)
                                                   : st.cfg.default_deadline;
  w.deadline = sclock::now() + limit;
  w.rp = self->make_response_promise<rpc_response>();
  auto rp = w.rp;
  dcc.unknown.push_back(std::move(w));
  return caf::result<rpc_response>(rp);
}

bool wait_for_migration_dc(pool_ptr self, invocation& inv, int32_t target, const caf::error& err) {
  auto& st = self->state;
  if (!st.cfg.learn_dcs || target <= 0 || target > max_dc_id)
    return false;
  if (!start_refresh(self, 0, st.cfg.dc_config_deadline))
    return false;
  inv.where = inv_where::queued;   // in no DC's queue: end_refresh picks it up
  st.dc_config.migrating.emplace_back(inv.id, err);
  arm_pool_deadline(self, inv);
  return true;
}

store::dc_address stored_address_of(const dc_entry& dc) {
  store::dc_address a;
  a.dc_id = dc.id;
  a.host = dc.ep.host;
  a.port = dc.ep.port;
  a.obfuscated_only = dc.obfuscated_only;
  if (dc.proxy_secret)
    a.secret.assign(dc.proxy_secret->begin(), dc.proxy_secret->end());
  return a;
}

void configure_route(pool_ptr self, const dc_entry& dc, connection_config& c) {
  auto& keys = self->state.dc_config.cdn_keys;
  if (auto k = keys.find(dc.id); k != keys.end())
    c.rsa_keys.insert(c.rsa_keys.end(), k->second.begin(), k->second.end());
  if (!dc.obfuscated_only)
    return;
  if (c.framing.kind != codec::framing::obfuscated2) {
    const auto k = c.framing.kind;
    c.framing.inner = k == codec::framing::abridged || k == codec::framing::padded_intermediate
                        ? k
                        : codec::framing::intermediate;
    c.framing.kind = codec::framing::obfuscated2;
  }
  if (dc.proxy_secret)
    c.framing.proxy_secret = dc.proxy_secret;
}

void dc_config_shut_down(pool_ptr self) {
  auto& dcc = self->state.dc_config;
  for (auto& w : dcc.waiters)
    w.deliver(make_error(errc::dropped, "the pool shut down"));
  dcc.waiters.clear();
  for (auto& u : dcc.unknown) {
    error_detail d;
    d.dc_id = u.dc_id;
    d.what = "the pool shut down while it learned the address of DC " + std::to_string(u.dc_id)
             + "; the request was never sent";
    u.rp.deliver(make_error(errc::dropped, std::move(d)));
  }
  dcc.unknown.clear();
}

} // namespace mtsender::pool_detail
