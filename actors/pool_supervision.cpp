// The pool's connection slots: spawning connections with the DC's shared
// auth key (one handshake per DC at a time), replacing failed ones after a
// jittered exponential back-off while continuing their MTProto session,
// keys (pool_keys.cpp), and reconnect requests.
#include "mtsender/actors/connection.hpp"
#include "mtsender/actors/pool_backoff.hpp"
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/store/store_error.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

namespace mtsender::pool_detail {
namespace {

using std::chrono::milliseconds;

slot* slot_by_addr(pool_ptr self, const caf::actor_addr& addr, dc_entry** dc_out = nullptr,
                   int* idx_out = nullptr) {
  auto& st = self->state;
  auto i = st.slot_of.find(addr);
  if (i == st.slot_of.end())
    return nullptr;
  auto d = st.dcs.find(i->second.first);
  if (d == st.dcs.end())
    return nullptr;
  auto& s = d->second.slots[static_cast<size_t>(i->second.second)];
  if (s.addr != addr)
    return nullptr;
  if (dc_out)
    *dc_out = &d->second;
  if (idx_out)
    *idx_out = i->second.second;
  return &s;
}

// The writer saves it on its own thread: a file store fsyncs.
void save_store(pool_ptr self) {
  auto& st = self->state;
  if (st.writer)
    caf::anon_send(st.writer, store_save_atom::value, st.stored);
}

void start_slot(pool_ptr self, dc_entry& dc, int idx) {
  auto& st = self->state;
  auto& s = dc.slots[static_cast<size_t>(idx)];
  if (dc.auth_key.empty()) {
    if (dc.key_in_progress && !s.makes_key) {
      s.phase = slot_phase::waiting_key;  // starts once the key exists
      return;
    }
    dc.key_in_progress = true;
    s.makes_key = true;
    s.session.reset();
  }
  connection_config c;
  c.dc_id = dc.id;
  c.host = dc.ep.host;
  c.port = dc.ep.port;
  c.framing = st.cfg.framing;
  c.framing.dc_id = static_cast<int16_t>(st.cfg.test_servers ? dc.id + 10000 : dc.id);
  c.rsa_keys = st.cfg.rsa_keys;
  c.handshake_dc_id = st.cfg.test_servers ? dc.id + 10000 : 0;
  configure_route(self, dc, c);    // pool_dc_config.cpp
  configure_keys(self, dc, s, c);  // pool_keys.cpp
  c.parent = caf::actor_cast<caf::actor>(self);
  c.init = st.init;   // connection init (actors/connection_init.hpp)
  c.timeouts = st.cfg.timeouts;
  c.limits = st.cfg.limits;
  s.conn = spawn_connection(self->system(), std::move(c));
  self->monitor(s.conn);
  s.addr = s.conn.address();
  st.slot_of[s.addr] = {dc.id, idx};
  ++s.gen;
  class_slot_started(dc, idx);  // pool_classes.cpp
  s.phase = slot_phase::starting;
  s.planned_restart = false;
  s.closing = false;
  s.loss_reported = false;
  s.in_flight = 0;
}

void slot_ready(pool_ptr self, dc_entry& dc, int idx) {
  auto& st = self->state;
  auto& s = dc.slots[static_cast<size_t>(idx)];
  s.phase = slot_phase::ready;
  s.up_since = sclock::now();
  dc.failed_attempts = 0;
  updates_role_on_ready(self, dc, idx);
  class_slot_ready(self, dc, idx);   // pool_classes.cpp: file slots' idle timer
  dc_config_on_ready(self, dc);    // the first connection asks help.getConfig
  for (auto i = st.reconnects.begin(); i != st.reconnects.end();) {
    i->second.waiting.erase({dc.id, idx});
    if (i->second.waiting.empty()) {
      i->second.rp.deliver(caf::ok_atom::value);
      i = st.reconnects.erase(i);
    } else {
      ++i;
    }
  }
  resume_slot(self, dc, idx);
  drain_queue(self, dc, s.cls);
}

void start_waiting(pool_ptr self, dc_entry& dc) {
  for (size_t i = 0; i < dc.slots.size(); ++i)
    if (dc.slots[i].phase == slot_phase::waiting_key)
      start_slot(self, dc, static_cast<int>(i));
}

// Slots that waited for the key start once it exists, with the salt and
// time offset of the connection that made it: with salt 0 each one's first
// request would cost a bad_server_salt round trip. The timeout lets them
// start anyway if that connection dies first (a quit broker never answers).
void start_waiting_slots(pool_ptr self, int32_t dc_id, const connection_actor& maker) {
  self->state.dcs[dc_id].salt_pending = true;
  self->request(maker, std::chrono::seconds(1), caf::get_atom::value, handoff_atom::value)
    .then(
      [=](session_state& ss) {
        auto d = self->state.dcs.find(dc_id);
        if (self->state.shutting_down || d == self->state.dcs.end())
          return;
        d->second.salt_pending = false;
        if (!ss.auth_key.empty() && ss.auth_key == d->second.auth_key) {
          d->second.key_salt = ss.server_salt;
          d->second.key_time_offset_ns = ss.time_offset_ns;
        }
        start_waiting(self, d->second);
      },
      [=](caf::error&) {
        auto d = self->state.dcs.find(dc_id);
        if (self->state.shutting_down || d == self->state.dcs.end())
          return;
        d->second.salt_pending = false;
        start_waiting(self, d->second);
      });
}

void fail_reconnects(pool_ptr self, int32_t dc_id, int idx, const std::string& cause) {
  auto& st = self->state;
  for (auto i = st.reconnects.begin(); i != st.reconnects.end();) {
    if (i->second.waiting.count({dc_id, idx})) {
      error_detail d;
      d.what = "DC " + std::to_string(dc_id) + ": the new connection failed: " + cause;
      d.dc_id = dc_id;
      i->second.rp.deliver(make_error(errc::connection_failed, std::move(d)));
      i = st.reconnects.erase(i);
    } else {
      ++i;
    }
  }
}

} // namespace

// Closes a live or starting connection so it is replaced at once.
void replace_slot(pool_ptr self, slot& s) {
  if (!s.conn)
    return;
  s.planned_restart = true;
  s.phase = slot_phase::starting;  // no new requests for the old connection
  self->send_exit(s.conn, caf::exit_reason::user_shutdown);
}

void ensure_slot(pool_ptr self, dc_entry& dc, conn_class c) {
  auto& cs = class_of(dc, c);
  for (size_t k = 0; k < cs.count; ++k) {
    auto& s = dc.slots[cs.first + k];
    if (s.phase != slot_phase::empty && !s.retiring)
      return;
  }
  int k = free_slot(class_loads(dc, c));
  if (k >= 0)
    start_slot(self, dc, static_cast<int>(cs.first) + k);
  // else: its only slot is closing for idleness; on_connection_down starts it again
}

void maybe_open_slot(pool_ptr self, dc_entry& dc, conn_class c) {
  auto& st = self->state;
  if (dc.auth_key.empty() || dc.salt_pending)
    return;  // the first slot is still making the key (or learning its salt)
  auto& cs = class_of(dc, c);
  // Every slot of the class in use: nothing to open (the common case under
  // load, checked before the loads are gathered).
  bool any_empty = false;
  for (size_t k = 0; k < cs.count && !any_empty; ++k)
    any_empty = dc.slots[cs.first + k].phase == slot_phase::empty;
  if (!any_empty)
    return;
  const auto& loads = class_loads(dc, c);
  if (!should_open_slot(loads, st.cfg.busy_threshold, cs.count))
    return;
  int k = free_slot(loads);
  if (k >= 0)
    start_slot(self, dc, static_cast<int>(cs.first) + k);
}

void on_connection_event(pool_ptr self, const frame_event& ev) {
  auto& st = self->state;
  dc_entry* dc = nullptr;
  int idx = -1;
  auto sender = self->current_sender() ? self->current_sender()->address() : caf::actor_addr{};
  slot* s = slot_by_addr(self, sender, &dc, &idx);
  if (s && !st.shutting_down) {
    if (ev.kind == frame_event_kind::update && !accept_update(*dc, idx))
      return;   // one update stream per DC: not from this slot
    switch (ev.kind) {
      case frame_event_kind::connection_up:
        on_slot_up(self, *dc, idx, ev);  // before: it may end a key check
        slot_ready(self, *dc, idx);
        break;
      case frame_event_kind::auth_key_created: {
        dc->auth_key = ev.body;
        forget_authorization(self, *dc);   // a new key is logged in nowhere
        dc->key_salt = 0;
        dc->key_time_offset_ns = 0;
        dc->key_in_progress = false;
        s->makes_key = false;
        ++dc->stats.auth_keys_created;
        if (st.cfg.store) {
          st.stored.set_address(stored_address_of(*dc));
          st.stored.set_key({dc->id, ev.body, 0, 0});
          if (st.stored.main_dc == 0)
            st.stored.main_dc = dc->id;
          save_store(self);
        }
        start_waiting_slots(self, dc->id, s->conn);
        break;
      }
      case frame_event_kind::auth_key_unknown:
        on_key_unknown(self, *dc, *s, ev);  // pool_keys.cpp
        break;
      default:
        break;
    }
  }
  publish(self, ev);
}

void on_handoff(pool_ptr self, session_state& ss) {
  auto sender = self->current_sender() ? self->current_sender()->address() : caf::actor_addr{};
  dc_entry* dc = nullptr;
  slot* s = slot_by_addr(self, sender, &dc);
  if (s)
    accept_handoff(self, *dc, *s, ss);  // pool_keys.cpp
}

void on_store_failed(pool_ptr self, const std::string& what) {
  // The key still reached listeners in its frame_event; tell them saving failed.
  frame_event ev;
  ev.kind = frame_event_kind::connection_down;
  ev.what = "could not save the session store: " + what;
  publish(self, std::move(ev));
}

bool on_connection_down(pool_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto where = st.slot_of.find(dm.source);
  if (where == st.slot_of.end())
    return false;
  auto [dc_id, idx] = where->second;
  st.slot_of.erase(where);
  if (st.shutting_down)
    return true;
  auto& dc = st.dcs[dc_id];
  auto& s = dc.slots[static_cast<size_t>(idx)];
  if (s.addr != dm.source)
    return true;  // an older connection of this slot
  const bool was_ready = s.phase == slot_phase::ready && !s.planned_restart;
  const bool planned = s.planned_restart;
  // Failed before it was ever ready: TCP connect or handshake.
  const bool attempt_failed = !planned && s.phase != slot_phase::ready;
  const uint64_t old_gen = s.gen;
  s.conn = nullptr;
  s.addr = caf::actor_addr{};
  if (s.makes_key) {
    s.makes_key = false;
    dc.key_in_progress = false;
  }
  const std::string cause = cause_of(self, dm.reason);
  if (!s.retiring) {   // closed for idleness: not a reconnect
    ++dc.stats.reconnects;
    ++dc.stats.reconnect_causes[planned ? "replaced" : cause];
  }

  // The connection answered every request it accepted before it went down
  // (same sender, same order). What is still marked in flight on it never
  // reached it: send those again.
  std::vector<uint64_t> orphans;
  for (auto& [id, inv] : st.invocations)
    if (inv.dc_id == dc_id && inv.where == inv_where::in_flight && inv.slot == idx
        && inv.slot_gen == old_gen)
      orphans.push_back(id);
  s.in_flight = 0;
  updates_role_on_down(self, dc, idx);

  if (retired(dc, s)) {
    // Closed for idleness (pool_classes.cpp): stays empty unless its class
    // got requests meanwhile.
    if (!class_of(dc, s.cls).queue.empty())
      ensure_slot(self, dc, s.cls);
  } else if (planned) {
    start_slot(self, dc, idx);
  } else {
    fail_reconnects(self, dc_id, idx, cause);
    auto now = sclock::now();
    if (was_ready && now - s.up_since >= st.cfg.healthy_after)
      s.failures = 0;
    ++s.failures;
    // -429: the server asks for fewer connections: wait longer.
    const auto* d = detail_of(dm.reason);
    int weight = (d && d->transport_code == -429) ? s.failures + 3 : s.failures;
    auto delay = restart_delay(weight, st.cfg.restart_base, st.cfg.restart_cap, *st.rng);
    s.phase = slot_phase::backoff;
    ++s.gen;
    self_timer(self, delay, restart_atom::value, dc_id, static_cast<uint32_t>(idx), s.gen);
    if (attempt_failed) {
      // A DC that cannot be reached is a failure of the DC for the breaker,
      // each attempt once, and its waiting requests are told promptly.
      ++dc.failed_attempts;
      const auto* d = detail_of(dm.reason);
      dc.last_failure = d && !d->what.empty() ? d->what : cause;
      error_detail det;
      det.what = dc.last_failure;
      det.dc_id = dc_id;
      st.breaker->record_failure(dc_id, retry::make_failure(errc::connection_failed, det), false,
                                 now);
      if (unreachable(self, dc))
        fail_queue(self, dc);
    }
  }
  for (auto id : orphans) {
    auto i = st.invocations.find(id);
    if (i == st.invocations.end())
      continue;
    auto& inv = i->second;
    if (dc.stats.in_flight > 0)
      --dc.stats.in_flight;
    inv.slot = -1;
    inv.where = inv_where::queued;
    ++inv.attempt;  // a late answer to the old attempt is ignored
    ++dc.stats.resent;
    dispatch(self, inv);
  }
  return true;
}

std::pair<dc_entry*, slot*> timer_target(pool_ptr self, int32_t dc_id, uint32_t idx,
                                         uint64_t gen, slot_phase armed_in) {
  auto& st = self->state;
  if (st.shutting_down)
    return {nullptr, nullptr};
  auto d = st.dcs.find(dc_id);
  if (d == st.dcs.end() || idx >= d->second.slots.size())
    return {nullptr, nullptr};
  auto& s = d->second.slots[idx];
  if (s.gen != gen || s.phase != armed_in)
    return {nullptr, nullptr};
  return {&d->second, &s};
}

void on_restart_timer(pool_ptr self, int32_t dc_id, uint32_t idx, uint64_t gen) {
  auto [dc, s] = timer_target(self, dc_id, idx, gen, slot_phase::backoff);
  if (s)
    start_slot(self, *dc, static_cast<int>(idx));
}

caf::result<caf::ok_atom> start_reconnect(pool_ptr self, const reconnect_request& req) {
  auto& st = self->state;
  if (st.shutting_down)
    return make_error(errc::dropped, "the pool is shutting down");
  std::vector<dc_entry*> targets;
  if (req.dc_id != 0) {
    auto d = st.dcs.find(req.dc_id);
    if (d == st.dcs.end()) {
      error_detail det;
      det.what = "no address known for DC " + std::to_string(req.dc_id);
      det.dc_id = req.dc_id;
      return make_error(errc::unknown_dc, std::move(det));
    }
    targets.push_back(&d->second);
  } else {
    for (auto& [id, dc] : st.dcs)
      for (auto& s : dc.slots)
        if (s.phase != slot_phase::empty) {
          targets.push_back(&dc);
          break;
        }
  }
  reconnect_op op;
  for (auto* dc : targets) {
    dc->used = true;
    bool any = false;
    for (size_t i = 0; i < dc->slots.size(); ++i) {
      auto& s = dc->slots[i];
      const int idx = static_cast<int>(i);
      s.retiring = false;   // asked for: it comes back instead of closing
      switch (s.phase) {
        case slot_phase::empty:
          continue;
        case slot_phase::ready:
        case slot_phase::starting:
          if (s.conn)
            replace_slot(self, s);
          break;
        case slot_phase::backoff:
          start_slot(self, *dc, idx);
          break;
        case slot_phase::waiting_key:
          break;
      }
      any = true;
      op.waiting.insert({dc->id, idx});
    }
    if (!any) {
      start_slot(self, *dc, 0);
      op.waiting.insert({dc->id, 0});
    }
  }
  if (op.waiting.empty())
    return caf::ok_atom::value;
  const uint64_t id = st.next_reconnect++;
  op.rp = self->make_response_promise<caf::ok_atom>();
  auto rp = op.rp;
  st.reconnects.emplace(id, std::move(op));
  auto limit = req.deadline_ms > 0 ? milliseconds(req.deadline_ms) : st.cfg.default_deadline;
  self_timer(self, limit, reconnect_timer_atom::value, id);
  return rp;
}

void on_reconnect_timer(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.reconnects.find(id);
  if (i == st.reconnects.end())
    return;
  error_detail d;
  d.what = std::to_string(i->second.waiting.size()) + " connection(s) not ready in time";
  if (!i->second.waiting.empty())
    d.dc_id = i->second.waiting.begin()->first;
  i->second.rp.deliver(make_error(errc::deadline_exceeded, std::move(d)));
  st.reconnects.erase(i);
}

} // namespace mtsender::pool_detail
