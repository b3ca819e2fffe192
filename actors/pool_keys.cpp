// The pool's auth keys: which key a new connection runs under, and what a
// key the server does not know costs.
//
// With perfect forward secrecy (pool_config::pfs) each connection runs
// under its own temporary key, bound to the DC's permanent key; a slot
// continues its bound temporary session across reconnects until the key is
// due, then drains and reconnects with a new one.
//
// A -404 is four plaintext bytes that anyone on the path can inject, so it
// never drops the permanent key by itself. A -404 for a temporary key just
// costs that key. A -404 for the permanent key, or a bind refused with
// ENCRYPTED_MESSAGE_INVALID (the bind is sealed with the permanent key),
// makes the key suspect: the slot's next connection runs directly under the
// permanent key and is ready only once the server answered a ping under it
// (verify_key). If that fresh connection hears -404 instead, the server has
// confirmed it lost the key: only then is it dropped (and erased from the
// store) and a new one made. TDLib checks its main key the same way.
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/transport/crypto/kdf.hpp"

#include <chrono>
#include <cstring>

namespace mtsender::pool_detail {
namespace {

uint64_t key_id_of(const byte_buffer& key) {
  if (key.size() != 256)
    return 0;
  crypto::auth_key_bytes k;
  std::memcpy(k.data(), key.data(), k.size());
  auto id = crypto::auth_key_id(k);
  k.fill(0);
  return id;
}

// Seconds of server time.
int64_t server_now_s(const session_state& ss) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  return (ns + ss.time_offset_ns) / 1'000'000'000;
}

int64_t renew_margin_s(const pool_config& cfg) {
  auto life = cfg.pfs.temp_key_lifetime.count();
  return static_cast<int64_t>(static_cast<double>(life) * cfg.pfs.renew_at_fraction_left);
}

void drop_key(pool_ptr self, dc_entry& dc, slot& s) {
  auto& st = self->state;
  if (!dc.auth_key.empty()) {
    dc.auth_key.clear();
    ++dc.stats.auth_keys_dropped;
    if (st.cfg.store && st.stored.drop_key(dc.id) && st.writer)
      caf::anon_send(st.writer, store_save_atom::value, st.stored);
  }
  dc.key_suspect = false;
  ++dc.key_epoch;
  forget_authorization(self, dc);
  // Every slot of the DC used the dropped key: replace them all; the
  // first to start makes the new key, the others wait for it.
  for (auto& other : dc.slots) {
    other.session.reset();
    other.probe = false;
    other.draining = false;
    if (&other == &s) {
      other.planned_restart = true;  // it is closing itself
      other.phase = slot_phase::starting;
    } else if (other.phase == slot_phase::ready || other.phase == slot_phase::starting) {
      replace_slot(self, other);
    }
  }
}

} // namespace

void configure_keys(pool_ptr self, dc_entry& dc, slot& s, connection_config& c) {
  auto& st = self->state;
  s.key_epoch = dc.key_epoch;
  s.probe = false;
  s.draining = false;
  if (dc.auth_key.empty())
    s.session.reset();
  const bool check = !dc.auth_key.empty() && dc.key_suspect;
  const bool pfs = st.cfg.pfs.enabled && !check;
  c.temp_key_lifetime = pfs ? st.cfg.pfs.temp_key_lifetime : std::chrono::seconds{0};
  if (check) {
    s.probe = true;
    c.verify_key = true;
    ++dc.stats.auth_key_checks;
  }
  if (dc.auth_key.empty())
    return;  // the connection makes the permanent key (and with PFS a temporary one)
  if (pfs) {
    // A bound temporary session continues while its key is not due.
    if (s.session && s.session->temp_key_expires_at != 0
        && s.session->temp_key_expires_at - server_now_s(*s.session) > renew_margin_s(st.cfg)) {
      c.session = s.session;
      return;
    }
    session_state perm;
    perm.dc_id = dc.id;
    perm.auth_key = dc.auth_key;
    c.session = std::move(perm);
    return;
  }
  if (s.session && s.session->temp_key_expires_at == 0 && s.session->auth_key == dc.auth_key) {
    c.session = s.session;  // the same MTProto session, continued
    return;
  }
  session_state fresh;
  fresh.dc_id = dc.id;
  fresh.auth_key = dc.auth_key;
  fresh.server_salt = dc.key_salt;
  fresh.time_offset_ns = dc.key_time_offset_ns;
  fresh.time_synced = dc.key_time_offset_ns != 0;
  c.session = std::move(fresh);
}

bool accept_handoff(pool_ptr, dc_entry& dc, slot& s, session_state& ss) {
  if (dc.auth_key.empty() || s.key_epoch != dc.key_epoch)
    return false;  // a session of a dropped key is worth nothing
  if (ss.temp_key_expires_at != 0) {
    if (ss.auth_key_id != 0 && ss.auth_key_id == s.dead_key_id)
      return false;  // the server did not know that temporary key
    s.session = std::move(ss);
    return true;
  }
  if (ss.auth_key != dc.auth_key)
    return false;  // an unbound temporary session, or another key
  dc.key_salt = ss.server_salt;
  dc.key_time_offset_ns = ss.time_offset_ns;
  s.session = std::move(ss);
  return true;
}

void on_key_unknown(pool_ptr self, dc_entry& dc, slot& s, const frame_event& ev) {
  const uint64_t perm_id = key_id_of(dc.auth_key);
  // The connection is closing itself: start the next one at once.
  s.planned_restart = true;
  s.phase = slot_phase::starting;
  if (perm_id == 0 || static_cast<uint64_t>(ev.value) != perm_id) {
    // A temporary key (or nothing the server could have judged): only
    // this slot's session is lost.
    if (ev.value != 0) {
      s.dead_key_id = ev.value;
      ++dc.stats.temp_keys_lost;
    }
    if (s.session && s.session->temp_key_expires_at != 0)
      s.session.reset();
    return;
  }
  if (s.probe) {
    drop_key(self, dc, s);  // confirmed on a fresh connection
    return;
  }
  dc.key_suspect = true;  // the slot's next connection checks it
}

void on_slot_up(pool_ptr self, dc_entry& dc, int idx, const frame_event& ev) {
  auto& st = self->state;
  auto& s = dc.slots[static_cast<size_t>(idx)];
  if (s.probe) {
    // The server answered under the key on a fresh connection: it knows it.
    s.probe = false;
    dc.key_suspect = false;
  }
  if (ev.value <= 0 || !st.cfg.pfs.enabled)
    return;
  // A temporary key with ev.value seconds left: renew it while it has the
  // margin left.
  const int64_t wait_s = std::max<int64_t>(0, ev.value - renew_margin_s(st.cfg));
  self_timer(self, std::chrono::seconds(wait_s), renew_atom::value, dc.id,
             static_cast<uint32_t>(idx), s.gen);
}

void on_renew_timer(pool_ptr self, int32_t dc_id, uint32_t idx, uint64_t gen) {
  auto& st = self->state;
  auto [target_dc, target] = timer_target(self, dc_id, idx, gen, slot_phase::ready);
  if (!target || !target->conn)
    return;  // that connection is gone already
  auto& dc = *target_dc;
  auto& s = *target;
  if (!s.draining) {
    // No new requests for it; the others (or a new slot) take them.
    s.draining = true;
    s.drain_until = sclock::now() + st.cfg.pfs.drain_limit;
    s.session.reset();  // its handoff must not bring the old key back
    maybe_open_slot(self, dc, s.cls);
  }
  if (s.in_flight > 0 && sclock::now() < s.drain_until) {
    self_timer(self, std::chrono::milliseconds(20), renew_atom::value, dc_id, idx, gen);
    return;
  }
  ++dc.stats.temp_keys_renewed;
  s.dead_key_id = 0;
  replace_slot(self, s);
  ++s.key_epoch;  // whatever it hands off now belongs to the old key
}

} // namespace mtsender::pool_detail
