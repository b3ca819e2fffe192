// Connection classes: each DC's slots are split into a `main` range (API
// calls, the update stream) and `upload` / `download` ranges for file parts,
// each with its own cap, queue, round-robin cursor and counters, so a large
// transfer fills only its own connections and API calls never wait behind
// its parts. Every class runs on the DC's one auth key (so an imported
// authorization covers them all) with a session per connection.
//
// File slots are opened by the first request of their class, never carry
// the update stream (pool_updates_role.cpp: their requests go inside
// invokeWithoutUpdates) and are closed after pool_config::file_idle_close
// with nothing in flight; the next request of the class opens one again.
//
// Reachability is the DC's, not the class's: one count of failed connection
// attempts and one circuit breaker per DC, and any class's live connection
// shows the address works (pool_supervision.cpp, dc_pool.cpp::unreachable).
#include "mtsender/actors/pool_state.hpp"

#include <algorithm>

namespace mtsender::pool_detail {

namespace {

size_t cap_of(const pool_config& cfg, conn_class c) {
  switch (c) {
    case conn_class::main: return std::max<size_t>(1, cfg.max_connections);
    case conn_class::upload: return std::max<size_t>(1, cfg.max_upload_connections);
    case conn_class::download: return std::max<size_t>(1, cfg.max_download_connections);
  }
  return 1;
}

void arm_idle(pool_ptr self, const dc_entry& dc, int idx, sclock::duration after) {
  auto& s = dc.slots[static_cast<size_t>(idx)];
  self_timer(self, std::chrono::duration_cast<std::chrono::milliseconds>(after)
                     + std::chrono::milliseconds(1),
             idle_atom::value, dc.id, static_cast<uint32_t>(idx), s.gen);
}

} // namespace

void layout_slots(const pool_config& cfg, dc_entry& dc) {
  size_t first = 0;
  for (size_t i = 0; i < conn_class_count; ++i) {
    auto& c = dc.classes[i];
    c.first = first;
    c.count = cap_of(cfg, static_cast<conn_class>(i));
    first += c.count;
  }
  dc.slots.resize(first);
  for (size_t i = 0; i < conn_class_count; ++i)
    for (size_t k = 0; k < dc.classes[i].count; ++k)
      dc.slots[dc.classes[i].first + k].cls = static_cast<conn_class>(i);
}

conn_class class_of(const invocation& inv) {
  // on_invoke refuses invalid values; main is the safe reading anyway.
  return valid(inv.options.connection_class) ? inv.options.connection_class : conn_class::main;
}

class_slots& class_of(dc_entry& dc, conn_class c) { return dc.classes[index_of(c)]; }

const std::vector<slot_load>& class_loads(const dc_entry& dc, conn_class c) {
  auto& cs = dc.classes[index_of(c)];
  auto& out = dc.loads;
  out.assign(cs.count, slot_load{});
  for (size_t k = 0; k < cs.count; ++k) {
    auto& s = dc.slots[cs.first + k];
    out[k].live = s.phase == slot_phase::ready && !s.closing && !s.draining && !s.retiring;
    // A retiring slot (closing for idleness) is used until it is down, but
    // not an opening one that could take the class's load.
    out[k].starting = (s.phase == slot_phase::starting || s.phase == slot_phase::waiting_key)
                      && !s.retiring;
    out[k].used = s.phase != slot_phase::empty;
    out[k].in_flight = s.in_flight;
  }
  return out;
}

int pick_in_class(dc_entry& dc, conn_class c) {
  auto& cs = class_of(dc, c);
  const auto& loads = class_loads(dc, c);
  int k = pick_slot(loads, cs.rr);
  return k < 0 ? -1 : static_cast<int>(cs.first) + k;
}

void class_slot_started(dc_entry& dc, int idx) {
  auto& s = dc.slots[static_cast<size_t>(idx)];
  s.retiring = false;
  ++class_of(dc, s.cls).opened;
}

void class_slot_ready(pool_ptr self, dc_entry& dc, int idx) {
  auto& s = dc.slots[static_cast<size_t>(idx)];
  if (s.cls == conn_class::main)
    return;
  s.last_used = sclock::now();
  arm_idle(self, dc, idx, self->state.cfg.file_idle_close);
}

void class_slot_released(slot& s) {
  if (s.cls != conn_class::main && s.in_flight == 0)
    s.last_used = sclock::now();
}

void on_idle_timer(pool_ptr self, int32_t dc_id, uint32_t idx, uint64_t gen) {
  auto& st = self->state;
  auto [target_dc, target] = timer_target(self, dc_id, idx, gen, slot_phase::ready);
  if (!target || !target->conn || target->retiring)
    return;   // another connection by now: its own timer runs
  auto& dc = *target_dc;
  auto& s = *target;
  const auto idle = st.cfg.file_idle_close;
  const auto quiet = sclock::now() - s.last_used;
  if (s.in_flight > 0 || !s.resume.empty() || s.draining || quiet < idle) {
    // Busy or recently used: look again when it could have been idle long enough.
    arm_idle(self, dc, static_cast<int>(idx), s.in_flight > 0 || quiet >= idle ? idle : idle - quiet);
    return;
  }
  // Nothing routes to it from now on; its connection goes, and
  // on_connection_down leaves the slot empty (retired()).
  s.retiring = true;
  replace_slot(self, s);
}

bool retired(dc_entry& dc, slot& s) {
  if (!s.retiring)
    return false;
  s.retiring = false;
  s.planned_restart = false;
  s.phase = slot_phase::empty;
  s.failures = 0;
  ++s.gen;   // a late timer of the old connection does nothing
  ++class_of(dc, s.cls).idle_closed;
  return true;
}

void add_class_stats(const dc_entry& dc, pool_dc_stats& out) {
  out.classes.clear();
  for (size_t i = 0; i < conn_class_count; ++i) {
    auto& cs = dc.classes[i];
    pool_class_stats c;
    c.connection_class = static_cast<uint8_t>(i);
    for (size_t k = 0; k < cs.count; ++k) {
      auto& s = dc.slots[cs.first + k];
      c.live_slots += s.phase == slot_phase::ready;
      c.starting_slots += s.phase == slot_phase::starting || s.phase == slot_phase::waiting_key;
      c.waiting_slots += s.phase == slot_phase::backoff;
      c.in_flight += s.in_flight;
    }
    c.queued = cs.queue.size();
    c.answered = cs.answered;
    c.opened = cs.opened;
    c.idle_closed = cs.idle_closed;
    out.classes.push_back(c);
  }
}

} // namespace mtsender::pool_detail
