// The pool actor's requests: invoke (routing, retries, deadlines, resends
// after a lost connection), stats, subscribe, shutdown. Connection slots
// live in pool_supervision.cpp, listener fan-out in pool_listeners.cpp.
#include "mtsender/actors/dc_pool.hpp"

#include "mtsender/actors/deliver_value.hpp"
#include "mtsender/actors/pool_state.hpp"
#include "mtsender/actors/retry/breaker_policy.hpp"
#include "mtsender/actors/retry/default_policy.hpp"
#include "mtsender/actors/retry/no_retries.hpp"
#include "mtsender/actors/spare_vectors.hpp"
#include "mtsender/actors/turn_bounded_broker.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <algorithm>

namespace mtsender {

using namespace pool_detail;

namespace pool_detail {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<retry::retry_policy> policy_for(pool_ptr self, const rpc_options& o) {
  auto& st = self->state;
  if (o.max_retries < 0)
    return st.default_policy;
  auto& p = st.capped_policies[o.max_retries];
  if (!p) {
    if (o.max_retries == 0) {
      p = retry::with_breaker(st.breaker, std::make_shared<retry::no_retries>());
    } else {
      auto c = st.cfg.auto_sleep;
      c.max_flood_retries = std::min(c.max_flood_retries, o.max_retries);
      c.max_io_retries = std::min(c.max_io_retries, o.max_retries);
      c.max_internal_retries = std::min(c.max_internal_retries, o.max_retries);
      p = retry::with_breaker(st.breaker, std::make_shared<retry::auto_sleep>(c, st.rng));
    }
  }
  return p;
}

void release_slot(pool_ptr self, invocation& inv) {
  if (inv.where != inv_where::in_flight)
    return;
  auto& dc = self->state.dcs[inv.dc_id];
  if (inv.slot >= 0 && static_cast<size_t>(inv.slot) < dc.slots.size()) {
    auto& s = dc.slots[static_cast<size_t>(inv.slot)];
    if (s.gen == inv.slot_gen && s.in_flight > 0) {
      --s.in_flight;
      class_slot_released(s);   // pool_classes.cpp: file slots' idle clock
    }
  }
  if (dc.stats.in_flight > 0)
    --dc.stats.in_flight;
  inv.slot = -1;
}

void finish(pool_ptr self, uint64_t id, caf::error err) {
  auto& st = self->state;
  auto i = st.invocations.find(id);
  if (i == st.invocations.end())
    return;
  auto& inv = i->second;
  release_slot(self, inv);
  ++st.dcs[inv.dc_id].stats.failed;
  forget_token(self, inv);
  inv.rp.deliver(std::move(err));
  st.invocations.erase(i);
}

void advance(pool_ptr self, invocation& inv, const retry::retry_step& step,
             sclock::time_point now = sclock::now()) {
  switch (step.kind) {
    case retry::step_kind::send:
      dispatch(self, inv, now);
      return;
    case retry::step_kind::wait: {
      inv.where = inv_where::sleeping;
      ++inv.attempt;
      ++self->state.dcs[inv.dc_id].stats.retry_waiting;
      self_timer(self, step.delay, retry_timer_atom::value, inv.id, inv.attempt);
      return;
    }
    case retry::step_kind::fail:
      finish(self, inv.id, inv.rc->error_of(step));
      return;
  }
}

bool lost_before_running(const caf::error& err, const error_detail* d, const invocation& inv) {
  if (err == caf::sec::request_timeout)
    return inv.options.safe_to_repeat;  // the connection went silent
  if (!d)
    return false;
  if (err == errc::transport_error)  // the server refused a packet whole (-404, -429, -444):
    return !inv.may_have_executed || inv.options.safe_to_repeat;  // see on_attempt_error
  if (err == errc::connection_lost || err == errc::dropped)
    return !d->may_have_executed || inv.options.safe_to_repeat;
  return false;
}

// The connection went because of a key, not the network: the server did not
// know the key the packet came under (-404, which also ends the other
// connections of a lost key), or the pool closed the connection to replace
// it (dropped, unsent). While the pool replaces its connections such a
// request can meet several in a row; these bounces must not use up
// max_resends, or the caller sees -404 or `dropped` for a request the pool
// can still deliver (the deadline still bounds them).
bool lost_to_key_change(const caf::error& err, const error_detail* d) {
  if (!d)
    return false;
  if (err == errc::transport_error)
    return d->transport_code == -404;
  return err == errc::dropped && !d->may_have_executed;
}

// Lost after a send and perhaps run: the lost connection named the attempt
// (session, msg_id), so the slot's next connection, which continues that
// session, can ask the server whether it got it (msgs_state_req).
bool can_ask_server(const caf::error& err, const error_detail* d) {
  return d && d->msg_id != 0 && d->session_id != 0
         && (err == errc::connection_lost || err == errc::dropped);
}

void on_attempt_error(pool_ptr self, uint64_t id, uint64_t attempt, caf::error err) {
  auto& st = self->state;
  auto i = st.invocations.find(id);
  if (i == st.invocations.end() || st.shutting_down)
    return;
  auto& inv = i->second;
  if (inv.attempt != attempt || inv.where != inv_where::in_flight)
    return;  // an older attempt, already settled
  auto& dc = st.dcs[inv.dc_id];
  const error_detail* d = detail_of(err);
  // The answer of a state check that found the request already received
  // comes as connection_lost without a msg_id: about the request, not the
  // connection, which is fine.
  const bool verdict = inv.lost_msg_id != 0 && err == errc::connection_lost && d
                       && d->msg_id == 0;
  const int slot_idx = inv.slot;
  // One lost connection is one signal about the DC's health, however many
  // requests it took down: only the first reaches the retry policy (and its
  // circuit breaker); the others are settled here.
  slot* lost_on = nullptr;
  if (!verdict && ends_connection(err) && inv.slot >= 0) {
    auto& s = dc.slots[static_cast<size_t>(inv.slot)];
    if (s.gen == inv.slot_gen) {
      s.closing = true;
      lost_on = &s;
    }
  }
  release_slot(self, inv);
  if (d && err == errc::rpc_failed && d->rpc.flood_wait_seconds())
    ++dc.stats.flood_waits;
  if (d && d->may_have_executed)
    inv.may_have_executed = true;
  if (err == errc::transport_error && inv.may_have_executed && !inv.options.safe_to_repeat) {
    // A transport error refuses a packet whole, but not necessarily the one
    // that carried this request: the server had accepted that one (or an
    // earlier connection lost it after sending). So it is a lost request
    // that may have run, never a plain resend: the slot's next connection
    // asks the server if the session continues (same key), else it fails
    // as may-have-run. (Resending it here ran requests twice when a server
    // forgot its keys.)
    error_detail lost = d ? *d : error_detail{};
    lost.what = "lost after the server had accepted it (then: " + lost.what + ")";
    lost.may_have_executed = true;
    lost.dc_id = inv.dc_id;
    err = make_error(errc::connection_lost, std::move(lost));
    d = detail_of(err);
  }
  inv.lost_session_id = inv.lost_msg_id = 0;
  inv.lost_slot = -1;
  auto now = sclock::now();
  if (verdict) {
    // The server answered the state check: the DC works (a half-open
    // circuit's probe closes it), and the request may have run: no retry.
    inv.rc->on_success(now);
    finish(self, id, std::move(err));
    return;
  }
  const bool free_resend = lost_to_key_change(err, d) && lost_before_running(err, d, inv);
  if ((inv.resends < st.cfg.max_resends || free_resend) && now < inv.deadline) {
    // Lost with the connection but never run (or harmless to run again):
    // send it again on any connection, without bothering the policy.
    if (lost_before_running(err, d, inv)) {
      if (!free_resend)
        ++inv.resends;
      ++dc.stats.resent;
      inv.where = inv_where::queued;
      dispatch(self, inv);
      return;
    }
    if (slot_idx >= 0 && can_ask_server(err, d)) {
      inv.lost_session_id = d->session_id;
      inv.lost_msg_id = d->msg_id;
      inv.lost_slot = slot_idx;
      ++inv.resends;
      ++dc.stats.lost_checked;
      inv.where = inv_where::queued;
      dispatch(self, inv);
      return;
    }
  }
  if (follow_migration(self, inv, err) || reauthorize(self, inv, err))
    return;
  if (err == caf::sec::request_timeout) {
    error_detail lost;
    lost.what = "the connection stopped answering";
    lost.may_have_executed = true;
    lost.dc_id = inv.dc_id;
    err = make_error(errc::connection_lost, std::move(lost));
  }
  inv.where = inv_where::queued;
  if (lost_on) {
    if (lost_on->loss_reported) {
      finish(self, id, std::move(err));
      return;
    }
    lost_on->loss_reported = true;
  }
  advance(self, inv, inv.rc->on_error(err, now));
}

void on_attempt_ok(pool_ptr self, uint64_t id, uint64_t attempt, rpc_response& r,
                   sclock::time_point now) {
  auto& st = self->state;
  auto i = st.invocations.find(id);
  if (i == st.invocations.end() || st.shutting_down)
    return;
  auto& inv = i->second;
  if (inv.attempt != attempt || inv.where != inv_where::in_flight)
    return;
  release_slot(self, inv);
  auto& dc = st.dcs[inv.dc_id];
  dc.rtt.add(std::chrono::duration_cast<std::chrono::microseconds>(now - inv.sent_at).count());
  ++dc.stats.answered;
  ++class_of(dc, class_of(inv)).answered;
  dc.stats.bytes_in += r.bytes.size();
  inv.rc->on_success(now);
  learn_authorization(self, inv, r);
  forget_token(self, inv);
  detail::deliver_value(self, inv.rp, std::move(r));
  st.invocations.erase(i);
}

// How long past its deadline a request may stay on a live connection before
// the sweep gives up on that attempt (the connection should have answered).
constexpr auto sweep_grace = std::chrono::seconds(5);
constexpr auto sweep_interval = std::chrono::seconds(1);

void arm_sweep(pool_ptr self) {
  auto& st = self->state;
  if (st.sweep_armed)
    return;
  st.sweep_armed = true;
  self_timer(self, sweep_interval, sweep_atom::value);
}

// The backstop: an attempt far past its deadline on a connection that is
// alive but never answered ends as if the connection had stopped answering.
void on_sweep(pool_ptr self) {
  auto& st = self->state;
  st.sweep_armed = false;
  const auto limit = sclock::now() - sweep_grace;
  std::vector<std::pair<uint64_t, uint64_t>> overdue;
  bool in_flight = false;
  for (auto& [id, inv] : st.invocations) {
    if (inv.where != inv_where::in_flight)
      continue;
    in_flight = true;
    if (inv.deadline < limit)
      overdue.emplace_back(id, inv.attempt);
  }
  for (auto& [id, attempt] : overdue)
    on_attempt_error(self, id, attempt, caf::make_error(caf::sec::request_timeout));
  if (in_flight)
    arm_sweep(self);
}

// At most this many routed requests wait in the outbox: under a steady
// stream of invokes the mailbox may never run empty.
constexpr size_t outbox_limit = 64;

void flush_outbox(pool_ptr self) {
  auto& st = self->state;
  if (st.outbox.empty())
    return;
  // Swapped with a kept buffer: the outbox keeps its capacity.
  auto& items = st.outbox_sending;
  items.swap(st.outbox);
  st.outbox.clear();
  // One batch per connection, each in the order its requests were routed
  // (a pool has a few connections per DC: a scan per connection is cheap).
  // Each pass takes the first item's connection and moves the others' items
  // to the front, in order.
  while (!items.empty()) {
    const connection_actor conn = items.front().first;
    pooled_batch batch;
    batch.items = spare_vectors<pooled_item>::take();   // the connection gives it back
    batch.items.reserve(static_cast<size_t>(std::count_if(
      items.begin(), items.end(), [&](const auto& it) { return it.first == conn; })));
    size_t rest = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].first == conn)
        batch.items.push_back(std::move(items[i].second));
      else if (rest++ != i)
        items[rest - 1] = std::move(items[i]);
    }
    items.resize(rest);
    self->send(conn, invoke_atom::value, std::move(batch));
  }
}

// Requests routed while a scope is open leave together when the outermost
// one closes if many wait; else at the end of the pool's turn on the I/O
// thread (flush_outbox is its end_of_turn, turn_bounded_broker.hpp), with
// whatever the turn's other messages routed.
struct outbox_scope {
  explicit outbox_scope(pool_ptr s) : self(s) { ++self->state.outbox_depth; }
  ~outbox_scope() {
    auto& st = self->state;
    if (--st.outbox_depth == 0 && st.outbox.size() >= outbox_limit)
      flush_outbox(self);
  }
  outbox_scope(const outbox_scope&) = delete;
  outbox_scope& operator=(const outbox_scope&) = delete;
  pool_ptr self;
};

void send_to_slot(pool_ptr self, invocation& inv, dc_entry& dc, int idx,
                  sclock::time_point now = sclock::now()) {
  auto& s = dc.slots[static_cast<size_t>(idx)];
  ++inv.attempt;
  inv.where = inv_where::in_flight;
  inv.slot = idx;
  inv.slot_gen = s.gen;
  inv.sent_at = now;
  ++s.in_flight;
  ++dc.stats.in_flight;
  pooled_request out;
  out.body = inv.body;  // shared, not copied
  out.options = inv.options;
  out.lost_session_id = inv.lost_session_id;
  out.lost_msg_id = inv.lost_msg_id;
  out.without_updates = !is_update_slot(dc, idx);
  dc.stats.bytes_out += inv.body->size();
  auto left = std::chrono::duration_cast<milliseconds>(inv.deadline - now);
  out.options.deadline_ms = std::max<int64_t>(1, left.count());
  // No timeout per request: that is a timer per request (the clock
  // thread's busiest work at full load). The connection enforces the
  // deadline itself and answers in pooled_replies; what it never answers
  // (it ended first) the pool sends again on its down message, and one
  // sweep timer backs both up.
  outbox_scope batch{self};
  self->state.outbox.emplace_back(s.conn, pooled_item{inv.id, inv.attempt, std::move(out)});
  arm_sweep(self);
}

// Answers from a connection, as many as one read of its socket produced.
void on_replies(pool_ptr self, pooled_replies& replies) {
  outbox_scope batch{self};  // retries they trigger go out together
  const auto now = sclock::now();  // one read: the answers came in one read
  for (auto& r : replies.items) {
    if (r.err)
      on_attempt_error(self, r.id, r.attempt, std::move(r.err));
    else
      on_attempt_ok(self, r.id, r.attempt, r.response, now);
  }
  spare_vectors<pooled_reply>::give(std::move(replies.items));   // for the connection's next
}

} // namespace

// On a connection the connection enforces the deadline; only requests that
// wait in the pool need a timer of their own (armed once: a timer per invoke
// would cost more than the whole hop).
void arm_pool_deadline(pool_ptr self, invocation& inv) {
  if (inv.deadline_armed)
    return;
  inv.deadline_armed = true;
  auto left = std::max(inv.deadline - sclock::now(), sclock::duration::zero());
  self_timer(self, std::chrono::duration_cast<milliseconds>(left) + milliseconds(1),
             deadline_atom::value, inv.id);
}

void fail_held(pool_ptr self, invocation& inv, caf::error err) {
  if (inv.rc && inv.rc->driver().in_flight())
    inv.rc->on_error(err, sclock::now());
  finish(self, inv.id, std::move(err));
}

namespace {

// Never sent, and no connection to send it on: connection_failed at once.
// Not through the retry policy (the pool does not retry a DC it cannot
// reach; the caller may), but an attempt the policy let through is ended
// there, or a half-open breaker would wait forever for its probe.
void fail_unsent(pool_ptr self, invocation& inv, const dc_entry& dc) {
  error_detail d;
  d.what = "DC " + std::to_string(dc.id) + " is unreachable: " + std::to_string(dc.failed_attempts)
           + " connection attempts failed in a row (last: " + dc.last_failure
           + "); the request was never sent, safe to retry";
  d.dc_id = dc.id;
  d.may_have_executed = inv.may_have_executed;
  auto err = make_error(errc::connection_failed, std::move(d));
  if (inv.rc && inv.rc->driver().in_flight())
    inv.rc->on_error(err, sclock::now());
  finish(self, inv.id, std::move(err));
}

} // namespace

void restart_attempts(pool_ptr self, invocation& inv) {
  auto& st = self->state;
  inv.rc.emplace(policy_for(self, inv.options), st.floods, inv.dc_id, inv.method,
                 std::optional<retry::retry_time>(inv.deadline), inv.options.safe_to_repeat);
  inv.where = inv_where::queued;
  st.dcs[inv.dc_id].used = true;
  advance(self, inv, inv.rc->before_send(sclock::now()));
}

void finish_invocation(pool_ptr self, uint64_t id, caf::error err) {
  finish(self, id, std::move(err));
}

bool unreachable(pool_ptr self, const dc_entry& dc) {
  const int limit = self->state.cfg.unreachable_after;
  if (limit <= 0 || dc.failed_attempts < limit)
    return false;
  for (auto& s : dc.slots)
    if (s.phase == slot_phase::ready && !s.closing)
      return false;
  return true;
}

void fail_queue(pool_ptr self, dc_entry& dc) {
  auto& st = self->state;
  for (auto& cs : dc.classes) {   // one address: every class is unreachable
    auto queue = std::move(cs.queue);
    cs.queue.clear();
    for (auto id : queue) {
      auto i = st.invocations.find(id);
      if (i != st.invocations.end() && i->second.where == inv_where::queued)
        fail_unsent(self, i->second, dc);
    }
  }
}

void dispatch(pool_ptr self, invocation& inv, sclock::time_point now) {
  auto& st = self->state;
  auto& dc = st.dcs[inv.dc_id];
  if (inv.lost_msg_id != 0) {
    // Only the connection that continues the lost one's session can ask
    // the server about it: its own slot, once that is up again.
    auto& s = dc.slots[static_cast<size_t>(inv.lost_slot)];
    if (s.phase == slot_phase::ready && !s.closing) {
      send_to_slot(self, inv, dc, inv.lost_slot, now);
      return;
    }
    inv.where = inv_where::resuming;
    s.resume.push_back(inv.id);
    arm_pool_deadline(self, inv);
    return;
  }
  if (hold_for_authorization(self, inv))
    return;
  // Each connection class has its own slots and queue (pool_classes.cpp).
  const conn_class c = class_of(inv);
  int idx = preferred_slot(dc, inv);
  if (idx < 0)
    idx = pick_in_class(dc, c);
  if (idx < 0) {
    if (unreachable(self, dc)) {
      fail_unsent(self, inv, dc);
      ensure_slot(self, dc, c);
      return;
    }
    auto& queue = class_of(dc, c).queue;
    if (queue.size() >= st.cfg.max_queued) {
      finish(self, inv.id, make_error(errc::overloaded,
                                      "DC " + std::to_string(dc.id) + " has "
                                        + std::to_string(queue.size()) + " " + to_string(c)
                                        + " requests waiting for a connection"));
      return;
    }
    inv.where = inv_where::queued;
    queue.push_back(inv.id);
    arm_pool_deadline(self, inv);
    ensure_slot(self, dc, c);
    return;
  }
  // Judge the load before this request adds to it: a slot becomes busy
  // only when requests overlap.
  maybe_open_slot(self, dc, c);
  send_to_slot(self, inv, dc, idx, now);
}

void drain_queue(pool_ptr self, dc_entry& dc, conn_class c) {
  auto& st = self->state;
  auto& q = class_of(dc, c).queue;
  auto queue = std::move(q);
  q.clear();
  for (auto id : queue) {
    auto i = st.invocations.find(id);
    if (i != st.invocations.end() && i->second.where == inv_where::queued)
      dispatch(self, i->second);
  }
}

void resume_slot(pool_ptr self, dc_entry& dc, int idx) {
  auto& st = self->state;
  auto& s = dc.slots[static_cast<size_t>(idx)];
  auto ids = std::move(s.resume);
  s.resume.clear();
  for (auto id : ids) {
    auto i = st.invocations.find(id);
    if (i != st.invocations.end() && i->second.where == inv_where::resuming)
      send_to_slot(self, i->second, dc, idx);
  }
}

bool ends_connection(const caf::error& err) {
  if (err == caf::sec::request_timeout || err == caf::sec::request_receiver_down)
    return true;
  if (err.category() != error_category)
    return false;
  switch (static_cast<errc>(err.code())) {
    case errc::transport_error:
    case errc::connection_failed:
    case errc::connection_lost:
    case errc::dropped:
    case errc::handshake_failed:
      return true;
    default:
      return false;
  }
}

std::string cause_of(pool_ptr self, const caf::error& err) {
  if (!err)
    return "normal";
  if (err.category() == error_category)
    return to_string(static_cast<errc>(err.code()));
  return self->system().render(err);
}

} // namespace pool_detail

namespace {

using std::chrono::milliseconds;

caf::result<rpc_response> on_invoke(pool_ptr self, int32_t dc_id, rpc_request& req) {
  auto& st = self->state;
  if (st.shutting_down)
    return make_error(errc::dropped, "the pool is shutting down");
  if (dc_id == 0)
    dc_id = st.home_dc;   // "the home DC"
  auto d = st.dcs.find(dc_id);
  if (d == st.dcs.end()) {
    if (auto waits = wait_for_unknown_dc(self, dc_id, req))   // pool_dc_config.cpp
      return std::move(*waits);
    error_detail det;
    det.what = "no address known for DC " + std::to_string(dc_id);
    det.dc_id = dc_id;
    return make_error(errc::unknown_dc, std::move(det));
  }
  if (req.body.empty() || req.body.size() % 4 != 0)
    return make_error(errc::invalid_request, "body must be a serialized TL function: "
                                               + std::to_string(req.body.size())
                                               + " bytes is not a non-zero multiple of 4");
  if (!valid(req.options.connection_class))
    return make_error(errc::invalid_request,
                      "rpc_options::connection_class "
                        + std::to_string(index_of(req.options.connection_class))
                        + " is not a connection class (0 main, 1 upload, 2 download)");
  auto& dc = d->second;
  dc.used = true;
  const uint64_t id = st.next_invocation++;
  auto& inv = st.invocations[id];
  inv.id = id;
  inv.dc_id = dc_id;
  auto now = sclock::now();
  auto limit = req.options.deadline_ms > 0 ? milliseconds(req.options.deadline_ms)
                                           : st.cfg.default_deadline;
  inv.deadline = now + limit;
  // Flood waits and retries are about the method under any wrapper.
  const uint32_t ctor = tl::inner_method_id(req.body);
  inv.method = ctor;
  const bool safe = req.options.safe_to_repeat;
  inv.rc.emplace(policy_for(self, req.options), st.floods, dc_id, ctor,
                 std::optional<retry::retry_time>(inv.deadline), safe);
  inv.options = req.options;
  caf::error taken;
  if (!register_token(self, inv, taken)) {
    st.invocations.erase(id);
    return taken;
  }
  // The caller's buffer moves into a shared one: no copy of the bytes.
  inv.body = make_shared_recycled<const byte_buffer>(std::move(req.body));
  inv.rp = self->make_response_promise<rpc_response>();
  auto rp = inv.rp;
  advance(self, inv, inv.rc->before_send(now), now);
  return rp;
}

void on_retry_timer(pool_ptr self, uint64_t id, uint64_t attempt) {
  auto& st = self->state;
  auto i = st.invocations.find(id);
  if (i == st.invocations.end() || i->second.attempt != attempt
      || i->second.where != inv_where::sleeping)
    return;
  auto& inv = i->second;
  auto& dc = st.dcs[inv.dc_id];
  if (dc.stats.retry_waiting > 0)
    --dc.stats.retry_waiting;
  inv.where = inv_where::queued;
  advance(self, inv, inv.rc->before_send(sclock::now()));
}

void on_deadline(pool_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.invocations.find(id);
  if (i == st.invocations.end())
    return;
  auto& inv = i->second;
  // On a connection the connection's own deadline answers it; look again
  // later in case the attempt ends and the request waits somewhere else.
  if (inv.where == inv_where::in_flight) {
    inv.deadline_armed = false;  // armed again if it has to wait in the pool
    return;
  }
  auto& dc = st.dcs[inv.dc_id];
  if (inv.where == inv_where::sleeping && dc.stats.retry_waiting > 0)
    --dc.stats.retry_waiting;
  if (inv.where == inv_where::queued) {
    auto& queue = class_of(dc, class_of(inv)).queue;
    auto q = std::find(queue.begin(), queue.end(), id);
    if (q != queue.end())
      queue.erase(q);
  }
  if (inv.where == inv_where::resuming && inv.lost_slot >= 0) {
    auto& r = dc.slots[static_cast<size_t>(inv.lost_slot)].resume;
    r.erase(std::remove(r.begin(), r.end(), id), r.end());
  }
  error_detail d;
  switch (inv.where) {
    case inv_where::queued:
      d.what = "no connection to the DC became ready in time";
      break;
    case inv_where::resuming:
      d.what = "lost with its connection, which did not come back in time to ask the server "
               "whether it ran";
      break;
    default:
      d.what = "deadline passed while waiting to retry";
  }
  d.may_have_executed = inv.may_have_executed;
  d.dc_id = inv.dc_id;
  auto err = make_error(errc::deadline_exceeded, std::move(d));
  // A queued request was already let through by the policy: its attempt
  // must end there too, or a half-open circuit breaker waits forever for a
  // probe that never went out (refusing every request to the DC).
  if ((inv.where == inv_where::queued || inv.where == inv_where::resuming) && inv.rc
      && inv.rc->driver().in_flight())
    inv.rc->on_error(err, sclock::now());
  finish(self, id, std::move(err));
}

pool_stats make_stats(pool_ptr self) {
  auto& st = self->state;
  pool_stats out;
  auto now = sclock::now();
  for (auto& [id, dc] : st.dcs) {
    if (!dc.used)
      continue;
    auto s = dc.stats;
    s.dc_id = id;
    s.live_slots = s.starting_slots = s.waiting_slots = 0;
    for (auto& sl : dc.slots) {
      s.live_slots += sl.phase == slot_phase::ready;
      s.starting_slots += sl.phase == slot_phase::starting || sl.phase == slot_phase::waiting_key;
      s.waiting_slots += sl.phase == slot_phase::backoff;
    }
    s.queued = 0;
    for (auto& cs : dc.classes)
      s.queued += cs.queue.size();
    add_class_stats(dc, s);   // pool_classes.cpp
    s.rtt_median_us = dc.rtt.quantile(0.5);
    s.rtt_p99_us = dc.rtt.quantile(0.99);
    s.circuit_state = static_cast<uint8_t>(st.breaker->state(id, now));
    out.dcs.push_back(std::move(s));
  }
  out.listeners = static_cast<uint32_t>(st.listeners.size());
  out.events_dropped = st.events_dropped;
  out.listeners_removed = st.listeners_removed;
  return out;
}

// Exit: every caller and reconnect waiter gets errc::dropped, every
// connection is told to stop, then the pool ends.
void shut_down(pool_ptr self, const caf::error& reason) {
  auto& st = self->state;
  if (st.shutting_down)
    return;
  st.shutting_down = true;
  std::set<uint64_t> unsent;   // routed, still in the outbox: they never left
  for (auto& [conn, item] : st.outbox)
    unsent.insert(item.id);
  st.outbox.clear();
  auto invs = std::move(st.invocations);
  st.invocations.clear();
  for (auto& [id, inv] : invs) {
    error_detail d;
    d.what = "the pool shut down before an answer came";
    d.may_have_executed = inv.may_have_executed
                          || (inv.where == inv_where::in_flight && unsent.count(id) == 0);
    d.dc_id = inv.dc_id;
    inv.rp.deliver(make_error(errc::dropped, std::move(d)));
  }
  for (auto& [id, op] : st.reconnects)
    op.rp.deliver(make_error(errc::dropped, "the pool shut down"));
  st.reconnects.clear();
  dc_config_shut_down(self);
  for (auto& [id, dc] : st.dcs)
    for (auto& s : dc.slots)
      if (s.conn) {
        self->send_exit(s.conn, reason ? reason : caf::exit_reason::user_shutdown);
        s.conn = nullptr;
      }
  st.listeners.clear();
  if (st.writer) {  // it saves what it was sent, then stops
    caf::anon_send(st.writer, store_done_atom::value);
    st.writer = nullptr;
  }
  const auto linger = st.cfg.timeouts.linger;
  if (linger.count() <= 0) {
    self->quit(reason);
    return;
  }
  // CAF 0.17 silently drops a request to a broker that has quit (the caller
  // sees only its own timeout): requests already on their way get `dropped`
  // for a while, then the pool quits.
  auto refuse = [] { return make_error(errc::dropped, "the pool shut down"); };
  self->become(
    [=](invoke_atom, int32_t, const rpc_request&) -> caf::result<rpc_response> {
      return refuse();
    },
    [=](listen_atom, const caf::actor&) -> caf::result<caf::ok_atom> { return refuse(); },
    [=](listen_atom, const caf::actor&, const listener_options&) -> caf::result<caf::ok_atom> {
      return refuse();
    },
    [=](unlisten_atom, const caf::actor&) -> caf::result<caf::ok_atom> { return refuse(); },
    [=](const reconnect_request&) -> caf::result<caf::ok_atom> { return refuse(); },
    [=](cancel_atom, uint64_t) -> caf::result<bool> { return false; },
    [=](const refresh_dc_config&) -> caf::result<dc_table_snapshot> { return refuse(); },
    [=](caf::get_atom, stats_atom) -> caf::result<pool_stats> { return refuse(); },
    [=](linger_atom) { self->quit(reason); });
  // Late answers of connections and listeners, timers: nothing to do.
  self->set_default_handler(
    [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return caf::message{};
    });
  self->set_exit_handler([=](caf::exit_msg& em) { self->quit(em.reason); });
  self_timer(self, linger, linger_atom::value);
}

pool_impl::behavior_type pool_behavior(pool_ptr self, pool_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  if (st.cfg.init_connection)
    st.init = std::make_shared<const init_heads>(init_heads::make(st.cfg.identity));
  st.breaker = std::make_shared<retry::circuit_breaker>(
    st.cfg.breaker, [self](const retry::breaker_transition& t) {
      frame_event ev;
      ev.dc_id = t.dc_id;
      ev.kind = frame_event_kind::circuit_state;
      ev.value = static_cast<int64_t>(t.to);
      ev.what = std::string("circuit ") + retry::to_string(t.from) + " -> "
                + retry::to_string(t.to);
      publish(self, std::move(ev));
    });
  st.default_policy = st.cfg.retry_policy
                        ? retry::with_breaker(st.breaker, st.cfg.retry_policy)
                        : retry::make_default_policy(st.breaker, st.rng, st.cfg.auto_sleep);
  load_dc_table(self);   // pool_dc_config.cpp
  if (st.cfg.store)
    st.writer = spawn_store_writer(self->system(), st.cfg.store, self->address());
  st.home_dc = initial_home_dc(st);
  for (auto& [id, key] : st.cfg.auth_keys)
    if (st.dcs.count(id) && key.size() == 256)
      st.dcs[id].auth_key = key;
  for (auto& k : st.stored.keys)
    if (st.dcs.count(k.dc_id) && k.auth_key.size() == 256) {
      auto& dc = st.dcs[k.dc_id];
      dc.auth_key = k.auth_key;
      dc.authorized = k.authorized;
      dc.key_salt = k.server_salt;
      dc.key_time_offset_ns = k.time_offset_ns;
    }

  self->set_down_handler([=](caf::down_msg& dm) {
    if (on_connection_down(self, dm))
      return;
    if (remove_listener(self, dm.source))
      ++self->state.listeners_removed;
  });
  self->set_exit_handler([=](caf::exit_msg& em) { shut_down(self, em.reason); });

  return {
    [=](invoke_atom, int32_t dc_id, rpc_request& req) -> caf::result<rpc_response> {
      return on_invoke(self, dc_id, req);
    },
    [=](listen_atom, caf::actor who) -> caf::ok_atom {
      add_listener(self, std::move(who), self->state.cfg.listeners);
      return caf::ok_atom::value;
    },
    [=](listen_atom, caf::actor who, listener_options opts) -> caf::ok_atom {
      add_listener(self, std::move(who), opts);
      return caf::ok_atom::value;
    },
    [=](unlisten_atom, caf::actor who) -> caf::ok_atom {
      if (who && remove_listener(self, who.address()))
        self->demonitor(who);
      return caf::ok_atom::value;
    },
    [=](const reconnect_request& req) -> caf::result<caf::ok_atom> {
      return start_reconnect(self, req);
    },
    [=](cancel_atom, uint64_t token) -> caf::result<bool> { return on_cancel(self, token); },
    [=](const refresh_dc_config& r) -> caf::result<dc_table_snapshot> {
      return on_refresh_dc_config(self, r);
    },
    [=](caf::get_atom, stats_atom) -> pool_stats { return make_stats(self); },
    [=](const frame_event& ev) { on_connection_event(self, ev); },
    [=](handoff_atom, session_state& s) { on_handoff(self, s); },
    [=](restart_atom, int32_t dc, uint32_t slot, uint64_t gen) {
      on_restart_timer(self, dc, slot, gen);
    },
    [=](retry_timer_atom, uint64_t id, uint64_t attempt) { on_retry_timer(self, id, attempt); },
    [=](deadline_atom, uint64_t id) { on_deadline(self, id); },
    [=](reconnect_timer_atom, uint64_t op) { on_reconnect_timer(self, op); },
    [=](sweep_atom) { on_sweep(self); },
    [=](pooled_replies& r) { on_replies(self, r); },
    [=](store_failed_atom, const std::string& what) { on_store_failed(self, what); },
    [=](renew_atom, int32_t dc, uint32_t slot, uint64_t gen) { on_renew_timer(self, dc, slot, gen); },
    [=](idle_atom, int32_t dc, uint32_t slot, uint64_t gen) { on_idle_timer(self, dc, slot, gen); },
  };
}

// Typed behavior first (its handlers are checked against pool_impl at
// compile time), unboxed for the broker.
caf::behavior spawn_pool(detail::turn_bounded_broker<pool_state, flush_outbox>* self,
                         pool_config cfg, store::session_data stored) {
  self->state.stored = std::move(stored);
  return std::move(pool_behavior(self, std::move(cfg)).unbox());
}

} // namespace

dc_pool spawn_dc_pool(caf::actor_system& sys, pool_config cfg) {
  store::session_data stored;
  if (cfg.store)
    stored = cfg.store->load();
  // Arguments, not captures: CAF 0.17 binds a reference to a null tuple for
  // argument-less spawns (UBSan reports it).
  return caf::actor_cast<dc_pool>(
    sys.middleman().spawn_broker(spawn_pool, std::move(cfg), std::move(stored)));
}

} // namespace mtsender
