// Cancelling a request by its rpc_options::token. The caller gets exactly one
// answer: errc::cancelled if the cancel came first, the result (or error)
// otherwise, and then the cancel answers false.
//
// - queued, sleeping before a retry, or parked for a lost connection's
//   successor: removed, answered at once;
// - routed to a connection but not sent yet (the pool's outbox): taken back,
//   answered at once;
// - in flight: answered at once; the connection is told to drop it, which
//   sends rpc_drop_answer when it was sent (the server then answers
//   rpc_answer_dropped*, or nothing), and whatever answer comes late finds no
//   invocation and is discarded.
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/messages/error.hpp"

#include <algorithm>

namespace mtsender::pool_detail {

bool register_token(pool_ptr self, const invocation& inv, caf::error& err) {
  const uint64_t token = inv.options.token;
  if (token == 0)
    return true;
  auto& st = self->state;
  auto [it, inserted] = st.by_token.try_emplace(token, inv.id);
  if (!inserted) {
    if (st.invocations.count(it->second) != 0) {
      err = make_error(errc::invalid_request,
                       "token " + std::to_string(token) + " is already in use by a pending request");
      return false;
    }
    it->second = inv.id;   // a finished request's, left over
  }
  return true;
}

void forget_token(pool_ptr self, const invocation& inv) {
  if (inv.options.token == 0)
    return;
  auto& m = self->state.by_token;
  auto it = m.find(inv.options.token);
  if (it != m.end() && it->second == inv.id)
    m.erase(it);
}

caf::result<bool> on_cancel(pool_ptr self, uint64_t token) {
  auto& st = self->state;
  if (token == 0 || st.shutting_down)
    return false;
  auto t = st.by_token.find(token);
  if (t == st.by_token.end())
    return false;
  auto i = st.invocations.find(t->second);
  if (i == st.invocations.end()) {
    st.by_token.erase(t);
    return false;
  }
  auto& inv = i->second;
  auto& dc = st.dcs[inv.dc_id];
  bool unsent = false;
  switch (inv.where) {
    case inv_where::queued: {
      auto& queue = class_of(dc, class_of(inv)).queue;
      auto q = std::find(queue.begin(), queue.end(), inv.id);
      if (q != queue.end())
        queue.erase(q);
      break;
    }
    case inv_where::sleeping:
      if (dc.stats.retry_waiting > 0)
        --dc.stats.retry_waiting;
      break;
    case inv_where::resuming:
      if (inv.lost_slot >= 0) {
        auto& r = dc.slots[static_cast<size_t>(inv.lost_slot)].resume;
        r.erase(std::remove(r.begin(), r.end(), inv.id), r.end());
      }
      break;
    case inv_where::in_flight: {
      // Routed but still in the outbox (dc_pool.cpp): it never left, and a
      // cancel sent now would reach the connection before the request.
      auto& ob = st.outbox;
      auto o = std::find_if(ob.begin(), ob.end(), [&](const auto& e) {
        return e.second.id == inv.id && e.second.attempt == inv.attempt;
      });
      if (o != ob.end()) {
        ob.erase(o);
        unsent = true;
      } else if (inv.slot >= 0) {
        auto& s = dc.slots[static_cast<size_t>(inv.slot)];
        if (s.gen == inv.slot_gen && s.conn)
          self->send(s.conn, cancel_atom::value, token);
      }
      break;
    }
  }
  error_detail d;
  d.what = "cancelled by the caller";
  d.may_have_executed = inv.may_have_executed || (inv.where == inv_where::in_flight && !unsent);
  d.dc_id = inv.dc_id;
  auto err = make_error(errc::cancelled, std::move(d));
  // A probe the circuit breaker let through must end, or it waits forever.
  if (inv.rc && inv.rc->driver().in_flight())
    inv.rc->on_error(err, sclock::now());
  ++inv.attempt;   // a late answer of the attempt in flight is stale now
  finish_invocation(self, inv.id, std::move(err));
  return true;
}

} // namespace mtsender::pool_detail
