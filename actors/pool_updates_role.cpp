// One update stream per DC. Telegram pushes updates to every session of an
// authorization that did not opt out with invokeWithoutUpdates; with several
// connections to a DC a listener would see each update once per session.
// So one slot per DC carries the update stream (the first that became
// ready); requests on every other slot go out inside invokeWithoutUpdates,
// and updates that still come from another slot (a session that made no API
// call yet) are not passed on. Only main-class slots carry the stream: file
// slots (pool_classes.cpp) never take the role, so their requests always go
// inside invokeWithoutUpdates and their sessions never subscribe.
//
// When the update slot's connection goes down and another slot is ready,
// that one takes the role and listeners get `updates_moved` (updates may
// have been missed: call updates.getDifference, which the pool routes to the
// update slot, so that session subscribes at once). The old slot then starts
// a new session: its old one stays subscribed on the server, and reusing it
// would bring a second stream. When no other slot is ready the role stays:
// the slot's next connection continues the same session, whose updates the
// server keeps meanwhile.
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/api/updates/getChannelDifference.hpp"
#include "mtsender/api/updates/getDifference.hpp"
#include "mtsender/api/updates/getState.hpp"

namespace mtsender::pool_detail {

namespace {

bool about_updates(uint32_t method) {
  return method == api::updates::getState::tl_id || method == api::updates::getDifference::tl_id
         || method == api::updates::getChannelDifference::tl_id;
}

bool usable(const slot& s) {
  return s.phase == slot_phase::ready && !s.closing && s.cls == conn_class::main;
}

} // namespace

void updates_role_on_ready(pool_ptr, dc_entry& dc, int idx) {
  if (dc.update_slot < 0 && dc.slots[static_cast<size_t>(idx)].cls == conn_class::main)
    dc.update_slot = idx;
}

void updates_role_on_down(pool_ptr self, dc_entry& dc, int idx) {
  if (dc.update_slot != idx)
    return;
  auto& old = dc.slots[static_cast<size_t>(idx)];
  if (!old.resume.empty())
    return;   // its next connection must continue the session to ask about them
  int next = -1;
  for (size_t i = 0; i < dc.slots.size(); ++i)
    if (static_cast<int>(i) != idx && usable(dc.slots[i])) {
      next = static_cast<int>(i);
      break;
    }
  if (next < 0)
    return;
  dc.update_slot = next;
  old.session.reset();
  frame_event ev;
  ev.dc_id = dc.id;
  ev.kind = frame_event_kind::updates_moved;
  ev.value = next;
  ev.what = "the update connection went down; another connection carries the updates now: "
            "updates may have been missed (call updates.getDifference)";
  publish(self, std::move(ev));
}

bool is_update_slot(const dc_entry& dc, int idx) { return dc.update_slot == idx; }

bool accept_update(const dc_entry& dc, int idx) {
  if (dc.slots[static_cast<size_t>(idx)].cls != conn_class::main)
    return false;
  return dc.update_slot < 0 || dc.update_slot == idx;
}

int preferred_slot(const dc_entry& dc, const invocation& inv) {
  if (!about_updates(inv.method) || dc.update_slot < 0 || class_of(inv) != conn_class::main)
    return -1;
  return usable(dc.slots[static_cast<size_t>(dc.update_slot)]) ? dc.update_slot : -1;
}

} // namespace mtsender::pool_detail
