#include "mtsender/actors/connection.hpp"

#include "mtsender/actors/connection_init.hpp"
#include "mtsender/actors/connector.hpp"
#include "mtsender/actors/deadline_queue.hpp"
#include "mtsender/actors/deliver_value.hpp"
#include "mtsender/actors/spare_vectors.hpp"
#include "mtsender/actors/turn_bounded_broker.hpp"
#include "mtsender/actors/wall_clock.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/handshake/temp_key_binding.hpp"
#include "mtsender/transport/recycling_allocator.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/system_messages.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <memory>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <variant>

namespace mtsender {
namespace {

using sclock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Timer and self messages of the broker; local only, never cross nodes.
using send_now_atom = caf::atom_constant<caf::atom("sendnow")>;
using ack_timer_atom = caf::atom_constant<caf::atom("acktimer")>;
using ping_timer_atom = caf::atom_constant<caf::atom("pingtimer")>;
using watchdog_atom = caf::atom_constant<caf::atom("watchdog")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using phase_timer_atom = caf::atom_constant<caf::atom("phasetimer")>;
using close_hdl_atom = caf::atom_constant<caf::atom("closehdl")>;

// binding: a temporary key is being bound (auth.bindTempAuthKey), or a key
// is being verified (verify_key); requests wait as while handshaking.
enum class phase : uint8_t { connecting, handshaking, binding, ready, closed };

// The session token of auth.bindTempAuthKey; callers' tokens count up from 1.
constexpr uint64_t bind_token = session::internal_token_base - 1;

struct pending_request {
  // Who hears the answer: the caller through its promise, or (to_pool) the
  // pool, in the next pooled_replies under its invocation id and attempt.
  caf::response_promise rp;
  bool to_pool = false;
  uint64_t pool_id = 0;
  uint64_t pool_attempt = 0;
  size_t bytes = 0;
  std::shared_ptr<const byte_buffer> body;  // held only until the session takes it
  std::shared_ptr<const byte_buffer> resend_body;  // kept for one resend with the init
  bool reinit_tried = false;  // sent again once after CONNECTION_NOT_INITED
  bool without_updates = false;  // inside invokeWithoutUpdates (not the update connection)
  bool in_session = false;   // handed to client_session::invoke or adopt
  bool safe_to_repeat = false;
  bool checking = false;     // adopted: waiting for the server's msgs_state_info
  bool answer_asked = false; // ... which said "answer generated": asked for it again
  uint64_t caller_token = 0;
  uint64_t invoke_after = 0;
  int64_t lost_session_id = 0;  // lost by an earlier connection of the session as
  int64_t lost_msg_id = 0;      // this msg_id: ask the server before resending
  sclock::time_point deadline;
};

struct conn_state {
  connection_config cfg;
  crypto::secure_random rng;
  wall_clock clock;
  phase ph = phase::connecting;
  uint64_t phase_gen = 0;

  std::shared_ptr<detail::connect_slot> slot = std::make_shared<detail::connect_slot>();
  uint64_t connect_gen = 0;
  caf::io::connection_handle hdl;
  bool has_hdl = false;
  // The scribe's socket, written directly while the scribe holds none of our
  // bytes (see write_wire); scribe_queued counts what it still holds.
  int fd = -1;
  size_t scribe_queued = 0;
  bool close_pending = false;            // see close_next_round()
  std::optional<caf::error> quit_after_close;
  std::unique_ptr<codec::frame_codec> codec;

  std::unique_ptr<handshake::client_handshake> hs;
  handshake::msg_id_clock plain_ids;
  std::unique_ptr<session::client_session> sess;
  uint64_t auth_key_id = 0;
  connection_init init;                  // invokeWithLayer(initConnection) bookkeeping

  // Perfect forward secrecy (connection_config::temp_key_lifetime).
  crypto::auth_key_bytes perm_key{};
  bool has_perm_key = false;
  int64_t temp_expires_at = 0;           // server time; 0: sess runs the permanent key
  bool temp_bound = false;
  bool verifying = false;                // verify_key: waiting for the first pong

  recycled_map<uint64_t, pending_request> pending;        // by our token
  std::deque<uint64_t> waiting;                           // accepted before ready
  recycled_map<uint64_t, uint64_t> by_caller_token;       // caller token -> ours
  std::vector<uint64_t> state_checks;                      // adopted, not asked about yet
  uint64_t next_token = 1;
  size_t bytes_in_flight = 0;

  detail::deadline_queue deadlines;
  sclock::time_point deadline_armed_at = sclock::time_point::max();
  uint64_t deadline_gen = 0;

  bool flush_scheduled = false;
  bool flush_wanted = false;   // take() gave the session a request to send
  // An ack timer is on its way. A flush does not cancel it: re-arming one
  // per answer cost a clock-thread wake-up, a message and a multiplexer wake
  // per request at low concurrency; one timer per ack_delay serves them all.
  bool ack_armed = false;
  uint64_t ack_gen = 0;

  sclock::time_point last_rx = sclock::now();
  sclock::time_point spawned_at = sclock::now();
  sclock::time_point connected_at;
  int64_t ping_id = 0;
  bool ping_outstanding = false;
  int salt_refusals = 0;                 // get_future_salts answered with rpc_error
  sclock::time_point salts_paused_until{};
  sclock::time_point ping_sent;

  // Answers for the pool, sent as one message when the outermost handler
  // that produced them ends (reply_scope), or at once outside any.
  caf::actor reply_to;
  pooled_replies replies;
  int reply_depth = 0;

  connection_stats stats;
  byte_buffer packet;
  byte_buffer wire;
  std::vector<session::event> events;

  ~conn_state() { slot->abandon(); }
};

using conn_ptr = caf::stateful_actor<conn_state, caf::io::broker>*;

// Timers and self messages go out anonymously: a message that lands in the
// mailbox while the broker terminates would otherwise hold a strong
// reference to the broker (as its sender) inside the broker's own mailbox, a
// cycle that leaks the actor (seen under ASan at shutdown).
template <class Duration, class... Ts>
void self_timer(conn_ptr self, Duration delay, Ts&&... xs) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), delay, std::forward<Ts>(xs)...);
}

template <class... Ts>
void self_send(conn_ptr self, Ts&&... xs) {
  caf::anon_send(caf::actor_cast<caf::actor>(self), std::forward<Ts>(xs)...);
}

int64_t micros_since(sclock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(sclock::now() - t).count();
}

int64_t now_unix_s(conn_state& st) { return st.clock.unix_time_ns() / session::ns_per_second; }

void emit(conn_ptr self, frame_event_kind kind, byte_buffer body = {}, int64_t value = 0,
          std::string what = {}) {
  auto& st = self->state;
  if (st.cfg.parent)
    self->send(st.cfg.parent,
               frame_event{st.cfg.dc_id, kind, std::move(body), value, std::move(what)});
}

// ------------------------------------------------------------------ answers

void flush_replies(conn_ptr self) {
  auto& st = self->state;
  if (st.replies.items.empty())
    return;
  auto to = st.reply_to ? st.reply_to : caf::actor_cast<caf::actor>(st.cfg.parent);
  if (to)
    self->send(to, std::move(st.replies));
  st.replies.items.clear();
  if (st.replies.items.capacity() == 0)   // sent: the pool gives a buffer back
    st.replies.items = spare_vectors<pooled_reply>::take();
}

// Answers for the pool collect while a handler runs: all the answers of one
// read of the socket (or of one batch's refusals) go back in one message.
struct reply_scope {
  explicit reply_scope(conn_ptr s) : self(s) { ++self->state.reply_depth; }
  ~reply_scope() {
    if (--self->state.reply_depth == 0)
      flush_replies(self);
  }
  reply_scope(const reply_scope&) = delete;
  reply_scope& operator=(const reply_scope&) = delete;
  conn_ptr self;
};

void queue_reply(conn_ptr self, uint64_t id, uint64_t attempt, caf::error err,
                 rpc_response response = {}) {
  auto& st = self->state;
  st.replies.items.push_back(pooled_reply{id, attempt, std::move(err), std::move(response)});
  if (st.reply_depth == 0)
    flush_replies(self);
}

// The one way a request is answered (exactly once: the caller releases it).
void answer(conn_ptr self, pending_request& p, caf::error err) {
  if (p.to_pool)
    queue_reply(self, p.pool_id, p.pool_attempt, std::move(err));
  else
    p.rp.deliver(std::move(err));
}

void answer(conn_ptr self, pending_request& p, rpc_response r) {
  if (p.to_pool)
    queue_reply(self, p.pool_id, p.pool_attempt, caf::error{}, std::move(r));
  else
    detail::deliver_value(self, p.rp, std::move(r));
}

// ------------------------------------------------------------ session state

session_state to_handoff(conn_state& st) {
  session_state out;
  out.dc_id = st.cfg.dc_id;
  if (st.sess) {
    auto s = st.sess->save();
    out.auth_key.assign(s.auth_key.begin(), s.auth_key.end());
    out.auth_key_id = static_cast<int64_t>(st.auth_key_id);
    out.session_id = static_cast<int64_t>(s.session_id);
    out.server_salt = static_cast<int64_t>(s.server_salt);
    for (auto& e : s.future_salts)
      out.salt_valid_until = std::max<int64_t>(out.salt_valid_until, e.valid_until);
    out.seq_no = static_cast<int32_t>(s.seqno);
    out.last_msg_id = static_cast<int64_t>(s.last_msg_id);
    out.time_offset_ns = s.time_offset_ns;
    out.time_synced = s.time_synced;
    out.seen_msg_ids = std::move(s.seen_msg_ids);

    // Only a bound temporary session can be continued; an unbound one is
    // handed back keyed by a key the parent does not know, so it is dropped.
    out.temp_key_expires_at = st.temp_bound ? st.temp_expires_at : 0;
  } else if (st.cfg.session) {
    out = *st.cfg.session;  // never got going: hand back what we were given
    out.dc_id = st.cfg.dc_id;
  }
  return out;
}

// The transport session from a saved one; nullptr when there is no key.
std::unique_ptr<session::client_session> restore_session(conn_state& st) {
  if (!st.cfg.session || st.cfg.session->auth_key.size() != 256)
    return nullptr;
  const auto& saved = *st.cfg.session;
  crypto::auth_key_bytes key{};
  std::copy(saved.auth_key.begin(), saved.auth_key.end(), key.begin());
  if (st.cfg.temp_key_lifetime.count() > 0 && saved.temp_key_expires_at == 0) {
    st.perm_key = key;  // never used for traffic: only to seal the bind
    st.has_perm_key = true;
    key.fill(0);
    return nullptr;
  }
  if (saved.temp_key_expires_at != 0) {
    st.temp_expires_at = saved.temp_key_expires_at;
    st.temp_bound = true;
  }
  session::session_state s;
  if (saved.session_id != 0) {
    s.auth_key = key;
    s.session_id = static_cast<uint64_t>(saved.session_id);
    s.server_salt = static_cast<uint64_t>(saved.server_salt);
    s.seqno = static_cast<uint32_t>(saved.seq_no);
    s.last_msg_id = static_cast<uint64_t>(saved.last_msg_id);
    s.seen_msg_ids = saved.seen_msg_ids;  // the same session: its replay window too
  } else {
    s = session::session_state::fresh(key, static_cast<uint64_t>(saved.server_salt), st.rng);
  }
  s.time_offset_ns = saved.time_offset_ns;
  s.time_synced = saved.time_synced;
  st.auth_key_id = crypto::auth_key_id(key);
  return std::make_unique<session::client_session>(s, st.clock, st.rng);
}

// ------------------------------------------------------------- bookkeeping

void release(conn_state& st, uint64_t token) {
  auto i = st.pending.find(token);
  if (i == st.pending.end())
    return;
  st.bytes_in_flight -= i->second.bytes;
  if (i->second.caller_token != 0) {
    auto j = st.by_caller_token.find(i->second.caller_token);
    if (j != st.by_caller_token.end() && j->second == token)
      st.by_caller_token.erase(j);
  }
  st.pending.erase(i);
}

// Whether the request may have reached the server: it got a msg_id, and we
// write every packet as soon as the session builds it.
bool maybe_sent(conn_state& st, uint64_t token, const pending_request& p) {
  if (!p.in_session || !st.sess)
    return false;
  auto info = st.sess->find(token);
  return info && info->msg_id != 0;
}

void answer_all(conn_ptr self, errc code, const std::string& what, int32_t transport_code) {
  auto& st = self->state;
  auto pending = std::move(st.pending);
  st.pending.clear();
  st.waiting.clear();
  st.by_caller_token.clear();
  st.state_checks.clear();
  st.bytes_in_flight = 0;
  for (auto& [token, p] : pending) {
    error_detail d;
    d.what = what;
    d.transport_code = transport_code;
    d.dc_id = st.cfg.dc_id;
    // Name the last send, so the next connection of the session can ask
    // the server about it.
    if (maybe_sent(st, token, p)) {
      auto info = st.sess->find(token);
      // A transport error is the server refusing a packet whole and closing:
      // what it refused never ran. A request counts as possibly run only if
      // the server is known to have accepted a packet that carried it (see
      // client_session: an authenticated answer naming that packet or a
      // later one of this connection), or if an earlier connection lost it.
      // Any other loss can have hit a packet the server read: may have run.
      d.may_have_executed = code != errc::transport_error || info->accepted
                            || p.lost_msg_id != 0;
      d.session_id = static_cast<int64_t>(st.sess->session_id());
      d.msg_id = static_cast<int64_t>(info->msg_id);
    } else if (p.lost_msg_id != 0) {
      d.may_have_executed = true;
      d.session_id = p.lost_session_id;
      d.msg_id = p.lost_msg_id;
    }
    answer(self, p, make_error(code, std::move(d)));
  }
  flush_replies(self);  // before the actor quits
}

// CAF 0.17.6 squashes an add and a del of the same socket that are queued in
// one multiplexer round into nothing (default_multiplexer::new_event: "squashing
// events resulted in a NOP") and then never calls removed_from_loop(): a scribe
// adopted with add_scribe() and closed (or stopped by quit()'s close_all()) in
// the same round keeps its stream's reader_/writer_ references to itself and
// leaks, its socket included. That happens when the exit_msg is handled in the
// same resume as conn_done. So the close waits one round: a function posted to
// the multiplexer runs only after this round's socket events were applied.
void close_next_round(conn_ptr self) {
  self->state.close_pending = true;
  auto me = caf::actor_cast<caf::actor>(self);
  self->backend().post([me] { caf::anon_send(me, close_hdl_atom::value); });
}

// Ends the actor: every open request answered with `code`, the session handed
// to the parent, the parent told, then quit with `reason`.
void shut_down(conn_ptr self, caf::error reason, errc code, const std::string& what,
               int32_t transport_code = 0, bool linger = true) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return;
  st.ph = phase::closed;
  answer_all(self, code, what, transport_code);
  if (st.cfg.parent && (st.sess || st.cfg.session))
    self->send(st.cfg.parent, handoff_atom::value, to_handoff(st));
  emit(self, frame_event_kind::connection_down, {}, 0, what);
  st.slot->abandon();
  if (st.has_hdl) {
    st.has_hdl = false;
    st.fd = -1;
    close_next_round(self);
  }
  const bool lingering = linger && st.cfg.timeouts.linger.count() > 0;
  if (!lingering && !st.close_pending) {
    self->quit(std::move(reason));
    return;
  }
  if (!lingering)
    st.quit_after_close = reason;
  // CAF 0.17 silently drops a request to a broker that has quit (the caller
  // sees only its own timeout). Requests already on their way when the fault
  // hit still get an answer: linger briefly, refusing everything, then quit.
  const int32_t dc = st.cfg.dc_id;
  const errc refusal = code == errc::connection_failed || code == errc::handshake_failed
                           || code == errc::transport_error || code == errc::dropped
                         ? code
                         : errc::connection_lost;
  auto refuse = [=](const pooled_request* lost) {
    error_detail d;
    d.what = "connection closed: " + what;
    d.transport_code = transport_code;
    d.dc_id = dc;
    if (lost && lost->lost_msg_id != 0) {  // still unsettled: pass its name on
      d.may_have_executed = true;
      d.session_id = lost->lost_session_id;
      d.msg_id = lost->lost_msg_id;
    }
    return make_error(refusal, std::move(d));
  };
  self->become([=](invoke_atom, const rpc_request&) -> caf::result<rpc_response> {
                 return refuse(nullptr);
               },
               [=](invoke_atom, const pooled_request& req) -> caf::result<rpc_response> {
                 return refuse(&req);
               },
               [=](invoke_atom, const pooled_batch& batch) {
                 if (auto from = caf::actor_cast<caf::actor>(self->current_sender()))
                   self->state.reply_to = std::move(from);
                 for (auto& item : batch.items)
                   queue_reply(self, item.id, item.attempt, refuse(&item.req));
               },
               [=](caf::get_atom, stats_atom) -> connection_stats {
                 auto s = self->state.stats;
                 s.ready = false;
                 return s;
               },
               [=](caf::get_atom, handoff_atom) { return to_handoff(self->state); },
               [=](detail::conn_done_atom, uint64_t, const std::string&) {
                 int fd = self->state.slot->take();
                 if (fd >= 0)
                   ::close(fd);
               },
               [=](close_hdl_atom) {
                 auto& st = self->state;
                 st.close_pending = false;
                 self->close(st.hdl);
                 if (st.quit_after_close)
                   self->quit(*st.quit_after_close);
               },
               [=](phase_timer_atom, uint64_t gen) {
                 if (gen == self->state.phase_gen)
                   self->quit(reason);
               });
  // caf::drop would answer asynchronous leftovers (timers, socket events)
  // with unexpected_message and so kill the actor early.
  self->set_default_handler(
    [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return caf::message{};
    });
  if (lingering)
    self_timer(self, st.cfg.timeouts.linger, phase_timer_atom::value, ++st.phase_gen);
}

void fail(conn_ptr self, errc cause, const std::string& what, errc for_requests,
          int32_t transport_code = 0) {
  error_detail d;
  d.what = what;
  d.transport_code = transport_code;
  d.dc_id = self->state.cfg.dc_id;
  shut_down(self, make_error(cause, std::move(d)), for_requests, what, transport_code);
}

// ------------------------------------------------------------------ output

// Writes st.wire, and returns true when the scribe took a part of it (the
// caller then flushes). While the scribe holds none of our bytes the socket
// takes what it can at once: the scribe's own path registers write interest
// with the multiplexer and writes one loop round later, two epoll_ctl calls
// and a wake-up per flush, which at one request in flight was most of the
// client's share of a round trip. What the socket does not take (full send
// buffer, or an error) goes to the scribe, which keeps the order, waits for
// room, and reports a failed socket as before.
bool write_wire(conn_ptr self) {
  auto& st = self->state;
  if (st.wire.empty())
    return false;
  size_t done = 0;
  if (st.scribe_queued == 0 && st.fd >= 0) {
    while (done < st.wire.size()) {
      auto n = ::send(st.fd, st.wire.data() + done, st.wire.size() - done,
                      MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        done += static_cast<size_t>(n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        break;
    }
  }
  const bool queued = done < st.wire.size();
  if (queued) {
    self->write(st.hdl, st.wire.size() - done, st.wire.data() + done);
    st.scribe_queued += st.wire.size() - done;
  }
  st.wire.clear();
  return queued;
}

// Everything the session has queued leaves now, acks included.
void flush_out(conn_ptr self) {
  auto& st = self->state;
  if (!st.sess || !st.has_hdl || (st.ph != phase::ready && st.ph != phase::binding))
    return;
  st.flush_wanted = false;   // all that is queued leaves now
  if (!st.state_checks.empty()) {  // one msgs_state_req for all adopted so far
    st.sess->request_state(st.state_checks);
    st.state_checks.clear();
  }
  bool queued = false;
  for (;;) {
    size_t before = st.sess->queued_messages();
    st.packet.clear();
    if (!st.sess->next_packet(st.packet))
      break;
    if (before - st.sess->queued_messages() > 1)
      ++st.stats.containers_sent;
    st.codec->encode(st.packet, st.wire);
    ++st.stats.frames_sent;
    if (st.wire.size() >= (1u << 20))
      queued |= write_wire(self);
  }
  queued |= write_wire(self);
  if (queued)
    self->flush(st.hdl);
  if (auto t = st.init.init_token())
    if (auto i = st.sess->find(t))
      st.init.on_sent(t, i->msg_id);
}

// Requests handled in one go share a frame: the flush runs after the
// messages already in the mailbox.
void schedule_flush(conn_ptr self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self_send(self, send_now_atom::value);
}

// What the handler took leaves at once when no other message waits (the
// last of a burst, or one request alone). Otherwise it leaves after the
// messages waiting now (a message to self) or at the end of the turn,
// whichever comes first: under load the turn ends first, since the message
// queues behind all that arrives meanwhile; at low concurrency the message
// comes first (waiting for the turn's end alone cost 5-10% at 64 in flight).
void flush_taken(conn_ptr self) {
  auto& st = self->state;
  if (!st.flush_wanted)
    return;
  if (self->mailbox().empty())
    flush_out(self);
  else
    schedule_flush(self);
}

void send_plain(conn_ptr self, byte_view body) {
  auto& st = self->state;
  auto packet = handshake::make_plain_message(st.plain_ids.next_client(st.clock.unix_time_ns()),
                                              body);
  st.codec->encode(packet, st.wire);
  ++st.stats.frames_sent;
  if (write_wire(self))
    self->flush(st.hdl);
}

// ---------------------------------------------------------------- deadlines

// The next deadline of a request still pending (answered ones are skipped).
std::optional<detail::deadline_queue::entry> next_deadline(conn_state& st) {
  return st.deadlines.front([&](uint64_t token) { return st.pending.count(token) != 0; });
}

void arm_deadline(conn_ptr self) {
  auto& st = self->state;
  auto first = next_deadline(st);
  if (!first)
    return;
  auto at = first->first;
  if (at >= st.deadline_armed_at)
    return;
  st.deadline_armed_at = at;
  auto delay = std::max(sclock::duration::zero(), at - sclock::now());
  self_timer(self, std::chrono::duration_cast<std::chrono::microseconds>(delay) +
                             std::chrono::microseconds(100),
                     deadline_atom::value, ++st.deadline_gen);
}

// Answered requests leave stale entries; rebuild before they pile up.
void compact_deadlines(conn_state& st) {
  st.deadlines.rebuild_if_stale(st.pending.size(), 4096, [&](auto&& add) {
    for (auto& [token, p] : st.pending)
      add(p.deadline, token);
  });
}

// Ends a pending request before its answer came (deadline, or the caller
// gave up): a sent one asks the server to drop the answer, which is then
// ignored; one never sent is forgotten. Answered with `code` here.
void withdraw(conn_ptr self, uint64_t token, errc code, const char* what) {
  auto& st = self->state;
  auto i = st.pending.find(token);
  if (i == st.pending.end())
    return;
  auto& p = i->second;
  const bool sent = maybe_sent(st, token, p);
  if (p.in_session) {
    if (sent) {
      st.sess->drop_answer(token);
      schedule_flush(self);
    } else {
      st.sess->forget(token);
    }
  } else {
    auto w = std::find(st.waiting.begin(), st.waiting.end(), token);
    if (w != st.waiting.end())
      st.waiting.erase(w);
  }
  error_detail d;
  d.what = what;
  d.may_have_executed = sent;
  d.dc_id = st.cfg.dc_id;
  answer(self, p, make_error(code, std::move(d)));
  release(st, token);
}

void expire(conn_ptr self, uint64_t token) {
  withdraw(self, token, errc::deadline_exceeded, "no answer within the request's deadline");
}

// ----------------------------------------------------------------- requests

// A request lost with an earlier connection that cannot be asked about
// (another session now): it may have run, so it ends here.
void fail_unverifiable(conn_ptr self, uint64_t token, pending_request& p,
                       const std::string& why) {
  auto& st = self->state;
  error_detail d;
  d.what = "lost with an earlier connection, and " + why
           + ": cannot tell whether the server ran it";
  d.may_have_executed = true;
  d.dc_id = st.cfg.dc_id;
  answer(self, p, make_error(errc::connection_lost, std::move(d)));
  release(st, token);
}

// The session refuses a request it can never send (over its packet limit,
// with the init head or invokeAfterMsg added): that is the request's fault,
// answered invalid_request alone; the connection and the other requests go
// on (guarded() would take the exception for a protocol error and end the
// connection). False when refused (answered and released).
bool to_session(conn_ptr self, uint64_t token, pending_request& p,
                std::shared_ptr<const byte_buffer> body,
                std::shared_ptr<const byte_buffer> head) {
  auto& st = self->state;
  try {
    st.sess->invoke(token, std::move(body), std::move(head));
  } catch (const std::invalid_argument& e) {
    error_detail d;
    d.what = e.what();
    d.dc_id = st.cfg.dc_id;
    answer(self, p, make_error(errc::invalid_request, std::move(d)));
    release(st, token);
    return false;
  }
  p.in_session = true;
  return true;
}

// Hands a request to the session; with invoke_after, wraps it in
// invokeAfterMsg naming the earlier request's current msg_id. A request lost
// by an earlier connection of this session is adopted under its old msg_id
// and asked about (msgs_state_req) instead of being sent. False when the
// request was answered here (and released).
bool submit(conn_ptr self, uint64_t token, pending_request& p) {
  auto& st = self->state;
  auto body = std::move(p.body);
  if (p.lost_msg_id != 0) {
    if (static_cast<int64_t>(st.sess->session_id()) == p.lost_session_id) {
      try {
        st.sess->adopt(token, std::move(body), static_cast<uint64_t>(p.lost_msg_id));
      } catch (const std::invalid_argument& e) {
        fail_unverifiable(self, token, p, e.what());
        return false;
      }
      p.in_session = true;
      p.checking = true;
      st.state_checks.push_back(token);
      ++st.stats.lost_checked;
      return true;
    }
    if (!p.safe_to_repeat) {
      fail_unverifiable(self, token, p, "this connection runs another session");
      return false;
    }
  }
  if (p.invoke_after != 0) {
    auto j = st.by_caller_token.find(p.invoke_after);
    if (j != st.by_caller_token.end() && st.pending.count(j->second) != 0) {
      auto info = st.sess->find(j->second);
      if (info && info->msg_id == 0) {
        flush_out(self);  // the earlier request needs its msg_id first
        info = st.sess->find(j->second);
      }
      if (info && info->msg_id != 0) {
        auto wrapped = std::make_shared<byte_buffer>();
        wrapped->reserve(body->size() + 12);
        tl::writer w{*wrapped};
        tl::write_invoke_after_msg(w, static_cast<int64_t>(info->msg_id), *body);
        auto head = st.init.head_for(*body, token, p.without_updates);
        if (st.init.enabled())
          p.resend_body = body;
        return to_session(self, token, p, std::move(wrapped), std::move(head));
      }
    }
  }
  auto head = st.init.head_for(*body, token, p.without_updates);
  if (st.init.enabled())
    p.resend_body = body;   // a pointer: resent with the init if the server asks
  return to_session(self, token, p, std::move(body), std::move(head));
}

// Why a request cannot be taken now; an empty error when it can.
caf::error refusal(conn_state& st, const byte_buffer* body, const rpc_options& options) {
  const auto size = body ? body->size() : 0;
  if (size == 0 || size % 4 != 0)
    return make_error(errc::invalid_request,
                      "body must be a serialized TL function: " + std::to_string(size)
                        + " bytes is not a non-zero multiple of 4");
  if (st.pending.size() >= st.cfg.limits.max_requests)
    return make_error(errc::overloaded, "too many requests in flight ("
                                          + std::to_string(st.pending.size()) + ")");
  if (st.bytes_in_flight + size > st.cfg.limits.max_bytes_in_flight)
    return make_error(errc::overloaded, "too many bytes in flight ("
                                          + std::to_string(st.bytes_in_flight) + ")");
  if (st.ph != phase::ready && st.waiting.size() >= st.cfg.limits.max_queued_connecting)
    return make_error(errc::overloaded, "too many requests queued while connecting");
  if (options.token != 0 && st.by_caller_token.count(options.token) != 0)
    return make_error(errc::invalid_request,
                      "token " + std::to_string(options.token) + " is already in use");
  return {};
}

// Takes a request that refusal() let through: to the session now, or to
// the queue until the connection is ready. `who` says who hears the answer.
void take(conn_ptr self, pending_request who, pooled_request& req, sclock::time_point now) {
  auto& st = self->state;
  const auto size = req.body->size();
  const auto& options = req.options;
  const uint64_t token = st.next_token++;
  auto& p = st.pending[token];
  p = std::move(who);
  p.bytes = size;
  p.body = std::move(req.body);
  p.safe_to_repeat = options.safe_to_repeat;
  p.caller_token = options.token;
  p.invoke_after = options.invoke_after;
  p.lost_session_id = req.lost_session_id;
  p.lost_msg_id = req.lost_session_id != 0 ? req.lost_msg_id : 0;
  p.without_updates = req.without_updates;
  auto limit = options.deadline_ms > 0 ? milliseconds(options.deadline_ms)
                                       : st.cfg.timeouts.default_deadline;
  p.deadline = now + limit;
  st.bytes_in_flight += size;
  if (p.caller_token != 0)
    st.by_caller_token[p.caller_token] = token;
  st.deadlines.push(p.deadline, token);
  compact_deadlines(st);
  arm_deadline(self);

  if (st.ph == phase::ready) {
    if (submit(self, token, p))
      st.flush_wanted = true;   // flush_taken() or end_of_turn(), once all are taken
  } else {
    st.waiting.push_back(token);
  }
}

caf::result<rpc_response> on_invoke(conn_ptr self, pooled_request& req) {
  if (auto err = refusal(self->state, req.body.get(), req.options))
    return err;
  pending_request who;
  who.rp = self->make_response_promise();
  auto rp = who.rp;
  take(self, std::move(who), req, sclock::now());
  return rp;
}

// The caller (the pool) gave up on a request: answered cancelled here, the
// server told to drop the answer if it was sent, a late answer ignored.
void cancel_request(conn_ptr self, uint64_t caller_token) {
  auto& st = self->state;
  auto j = st.by_caller_token.find(caller_token);
  if (j != st.by_caller_token.end())
    withdraw(self, j->second, errc::cancelled, "cancelled by the caller");
}

void on_lost_state(conn_ptr self, uint64_t token, const session::msg_state& state) {
  auto& st = self->state;
  auto i = st.pending.find(token);
  if (i == st.pending.end() || !i->second.checking)
    return;
  auto& p = i->second;
  if (state.delivery == session::msg_delivery::received && state.answer_generated
      && !p.answer_asked) {
    // It ran and its answer exists (lost with the connection, e.g. in a
    // corrupted frame): ask for the answer again (msg_resend_ans_req) instead
    // of failing, or running again, a request that succeeded. The server
    // sends the rpc_result (matched by the adopted msg_id), or answers with
    // msgs_state_info when it no longer has it: then this runs again and the
    // request fails below.
    p.answer_asked = true;
    if (st.sess->request_answers({token}) > 0) {
      ++st.stats.lost_answers_asked;
      schedule_flush(self);
      return;
    }
  }
  p.checking = false;
  if (state.safe_to_resend() || p.safe_to_repeat) {
    if (st.init.enabled() && !st.init.sent())
      st.sess->set_prefix(token, st.init.reinit_head(token, p.without_updates));
    st.sess->resend(token);
    ++st.stats.lost_resent;
    return;
  }
  error_detail d;
  d.what = "lost with an earlier connection after the server got it (msgs_state_info: "
           + session::describe(state) + ")";
  d.may_have_executed = true;
  d.dc_id = st.cfg.dc_id;
  answer(self, p, make_error(errc::connection_lost, std::move(d)));
  st.sess->forget(token);
  release(st, token);
}

// --------------------------------------------------------------- lifecycle

void arm_watchdog(conn_ptr self) {
  auto& st = self->state;
  auto left = st.last_rx + st.cfg.timeouts.dead_after - sclock::now();
  auto wait = std::max(std::chrono::duration_cast<milliseconds>(left), milliseconds(1));
  self_timer(self, wait + milliseconds(1), watchdog_atom::value);
}

void go_ready(conn_ptr self) {
  auto& st = self->state;
  st.ph = phase::ready;
  ++st.phase_gen;
  st.stats.handshake_us = st.hs ? micros_since(st.connected_at) : 0;
  st.hs.reset();
  st.last_rx = sclock::now();
  st.stats.ready = true;
  int64_t temp_left = 0;
  if (st.temp_expires_at != 0)
    temp_left = std::max<int64_t>(
      0, st.temp_expires_at
           - (st.clock.unix_time_ns() + st.sess->time_offset_ns()) / session::ns_per_second);
  emit(self, frame_event_kind::connection_up, {}, temp_left);
  // Ask early for the salts to come, so the current one never runs out.
  st.sess->request_future_salts(32);
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto token : waiting) {
    auto i = st.pending.find(token);
    if (i != st.pending.end())
      submit(self, token, i->second);  // false: answered already
  }
  flush_out(self);
  self_timer(self, st.cfg.timeouts.ping_interval, ping_timer_atom::value);
  arm_watchdog(self);
}

// A temporary key (PFS) once the permanent one exists, else the permanent key.
void start_handshake(conn_ptr self) {
  auto& st = self->state;
  handshake::client_config hc;
  hc.public_keys = st.cfg.rsa_keys;
  hc.dc_id = st.cfg.handshake_dc_id != 0 ? st.cfg.handshake_dc_id : st.cfg.dc_id;
  if (st.cfg.temp_key_lifetime.count() > 0 && st.has_perm_key) {
    hc.kind = handshake::inner_data_kind::temp_dc;
    hc.expires_in = static_cast<int32_t>(st.cfg.temp_key_lifetime.count());
  }
  st.hs = std::make_unique<handshake::client_handshake>(std::move(hc), st.rng);
  st.ph = phase::handshaking;
  self_timer(self, st.cfg.timeouts.handshake, phase_timer_atom::value,
                     ++st.phase_gen);
  send_plain(self, st.hs->start());
}

// auth.bindTempAuthKey as the session's first message (api/pfs); the
// handshake's timer runs on until the answer.
void start_bind(conn_ptr self, const handshake::handshake_result& r) {
  auto& st = self->state;
  st.ph = phase::binding;
  st.temp_expires_at = now_unix_s(st) + r.server_time_offset + r.expires_in;
  const auto perm = st.perm_key;
  const uint64_t temp_id = r.auth_key_id;
  const uint64_t session_id = st.sess->session_id();
  const auto expires_at = static_cast<int32_t>(st.temp_expires_at);
  auto* rng = &st.rng;  // lives as long as the session that calls this
  st.sess->invoke_naming_msg_id(bind_token, [=](uint64_t msg_id) {
    return handshake::make_bind_request(perm, temp_id, session_id, expires_at,
                                        static_cast<int64_t>(msg_id), *rng);
  });
  flush_out(self);
}

// verify_key: a ping under the key; ready at its pong.
void start_verify(conn_ptr self) {
  auto& st = self->state;
  st.ph = phase::binding;
  st.verifying = true;
  self_timer(self, st.cfg.timeouts.handshake, phase_timer_atom::value, ++st.phase_gen);
  st.ping_id = static_cast<int64_t>(st.rng.next<uint64_t>() >> 1);
  st.sess->ping(st.ping_id);
  flush_out(self);
}

void on_connected(conn_ptr self) {
  auto& st = self->state;
  st.connected_at = sclock::now();
  st.stats.connect_us = micros_since(st.spawned_at);
  st.codec = codec::make_client_codec(st.cfg.framing, st.rng);
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(st.cfg.limits.read_chunk));
  st.last_rx = sclock::now();
  st.sess = restore_session(st);
  if (st.sess && st.cfg.verify_key)
    start_verify(self);
  else if (st.sess)
    go_ready(self);
  else
    start_handshake(self);
}

void on_handshake_frame(conn_ptr self, byte_view payload) {
  auto& st = self->state;
  auto msg = handshake::read_plain_message(payload, handshake::plain_sender::server);
  auto step = st.hs->on_message(msg.body, now_unix_s(st));
  if (!step.send.empty())
    send_plain(self, step.send);
  if (step.status != handshake::step_status::done)
    return;
  const auto& r = st.hs->result();
  auto s = session::session_state::fresh(r.auth_key, static_cast<uint64_t>(r.server_salt),
                                         st.rng);
  s.time_offset_ns = int64_t(r.server_time_offset) * session::ns_per_second;
  s.time_synced = true;
  st.sess = std::make_unique<session::client_session>(s, st.clock, st.rng);
  st.auth_key_id = r.auth_key_id;
  if (r.kind == handshake::inner_data_kind::temp_dc) {
    start_bind(self, r);
    return;
  }
  emit(self, frame_event_kind::auth_key_created, byte_buffer(r.auth_key.begin(), r.auth_key.end()),
       static_cast<int64_t>(r.auth_key_id));
  if (st.cfg.temp_key_lifetime.count() > 0) {
    // PFS: the new permanent key only seals the bind of a temporary one,
    // made on this same connection.
    st.perm_key = r.auth_key;
    st.has_perm_key = true;
    st.sess.reset();
    st.auth_key_id = 0;
    start_handshake(self);
    return;
  }
  go_ready(self);
  st.hs.reset();
}

// The answer to the bind (or the verifying pong): true when `ev` was it.
bool on_binding_event(conn_ptr self, session::event& ev) {
  auto& st = self->state;
  if (auto* pong = std::get_if<session::pong_event>(&ev)) {
    if (st.verifying && pong->ping_id == st.ping_id) {
      st.verifying = false;
      go_ready(self);
      return true;
    }
    return false;
  }
  auto refused = [&](caf::error reason, const std::string& what) {
    // The waiting requests were never sent: lost, not run.
    shut_down(self, std::move(reason), errc::connection_lost, what);
  };
  if (auto* ok = std::get_if<session::rpc_result_event>(&ev)) {
    if (ok->token != bind_token)
      return false;
    if (ok->body.size() == 4 && load_le32(ok->body.data()) == tl::bool_true_id) {
      st.temp_bound = true;
      // Telegram wants initConnection again after each binding (api/pfs): the
      // bound session is new, so connection_init wraps its first request.
      go_ready(self);
    } else {
      error_detail d;
      d.what = "auth.bindTempAuthKey did not answer boolTrue";
      d.dc_id = st.cfg.dc_id;
      refused(make_error(errc::malformed_reply, d), d.what);
    }
    return true;
  }
  if (auto* err = std::get_if<session::rpc_error_event>(&ev)) {
    if (err->token != bind_token)
      return false;
    auto rpc = rpc_error::parse(err->code, err->message);
    std::string what = "auth.bindTempAuthKey: " + std::to_string(err->code) + " " + err->message;
    if (rpc.message == "ENCRYPTED_MESSAGE_INVALID") {
      // Sealed with the permanent key: the server may have lost it.
      what += " (the server may not know the permanent key)";
      emit(self, frame_event_kind::auth_key_unknown, {},
           static_cast<int64_t>(crypto::auth_key_id(st.perm_key)), what);
    }
    refused(make_rpc_error(std::move(rpc), st.cfg.dc_id), what);
    return true;
  }
  if (auto* failed = std::get_if<session::request_failed_event>(&ev)) {
    if (failed->token != bind_token)
      return false;
    error_detail d;
    d.what = "auth.bindTempAuthKey failed: " + failed->detail;
    d.dc_id = st.cfg.dc_id;
    refused(make_error(errc::server_rejected, d), d.what);
    return true;
  }
  return false;
}

void on_event(conn_ptr self, session::event& ev) {
  auto& st = self->state;
  if (st.ph == phase::binding && on_binding_event(self, ev))
    return;
  std::visit(
    [&](auto& e) {
      using T = std::decay_t<decltype(e)>;
      if constexpr (std::is_same_v<T, session::rpc_result_event>) {
        auto i = st.pending.find(e.token);
        if (i == st.pending.end())
          return;
        answer(self, i->second, rpc_response{e.body.to_buffer()});
        ++st.stats.requests_answered;
        release(st, e.token);
      } else if constexpr (std::is_same_v<T, session::rpc_error_event>) {
        auto i = st.pending.find(e.token);
        if (i == st.pending.end())
          return;
        auto& p = i->second;
        if (connection_init::needs_reinit(e.code, e.message) && st.init.enabled()
            && !p.reinit_tried && p.resend_body) {
          // The server lost (or never got) this session's init: once more, with it.
          p.reinit_tried = true;
          // A body that fit alone may not fit with the init: refused alone.
          if (to_session(self, e.token, p, p.resend_body,
                         st.init.reinit_head(e.token, p.without_updates)))
            schedule_flush(self);
          return;
        }
        answer(self, p, make_rpc_error(rpc_error::parse(e.code, e.message), st.cfg.dc_id));
        ++st.stats.requests_answered;
        release(st, e.token);
      } else if constexpr (std::is_same_v<T, session::request_failed_event>) {
        auto i = st.pending.find(e.token);
        if (i == st.pending.end())
          return;
        error_detail d;
        d.dc_id = st.cfg.dc_id;
        if (e.bad_msg_code != 0) {
          d.what = "bad_msg_notification " + std::to_string(e.bad_msg_code) + ": " + e.detail;
          answer(self, i->second, make_error(errc::server_rejected, std::move(d)));
        } else {
          d.what = "unreadable answer: " + e.detail;
          d.may_have_executed = true;
          answer(self, i->second, make_error(errc::malformed_reply, std::move(d)));
        }
        release(st, e.token);
      } else if constexpr (std::is_same_v<T, session::pong_event>) {
        if (st.ping_outstanding && e.ping_id == st.ping_id) {
          st.ping_outstanding = false;
          st.stats.rtt_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              sclock::now() - st.ping_sent)
                              .count();
        }
      } else if constexpr (std::is_same_v<T, session::update_event>) {
        emit(self, frame_event_kind::update, e.body.to_buffer(), static_cast<int64_t>(e.msg_id));
      } else if constexpr (std::is_same_v<T, session::new_session_event>) {
        ++st.stats.new_sessions;
        if (auto t = st.init.init_token()) {
          auto info = st.sess->find(t);
          st.init.on_new_session(e.first_msg_id, info && !info->sent);
        }
        emit(self, frame_event_kind::new_session, {}, static_cast<int64_t>(e.first_msg_id),
             "server created a new session; " + std::to_string(e.resent)
               + " messages queued again");
      } else if constexpr (std::is_same_v<T, session::salt_changed_event>) {
        ++st.stats.salt_changes;  // the session queued the resends
      } else if constexpr (std::is_same_v<T, session::time_corrected_event>) {
        ++st.stats.time_corrections;
      } else if constexpr (std::is_same_v<T, session::seqno_corrected_event>) {
        ++st.stats.seqno_corrections;
      } else if constexpr (std::is_same_v<T, session::message_ignored_event>) {
        ++st.stats.messages_ignored;
      } else if constexpr (std::is_same_v<T, session::msg_state_event>) {
        on_lost_state(self, e.token, e.state);
      } else if constexpr (std::is_same_v<T, session::future_salts_event>) {
        if (e.error_code != 0) {
          // Salts still come with bad_server_salt when they change; asking
          // every ping interval would only collect more refusals.
          ++st.salt_refusals;
          ++st.stats.salts_refused;
          const int shift = std::min(st.salt_refusals - 1, 8);
          auto pause = std::min<sclock::duration>(st.cfg.timeouts.salts_refused_pause * (1 << shift),
                                                  std::chrono::hours(24));
          st.salts_paused_until = sclock::now() + pause;
        }
      } else {
        // Drop answers and future salts need nothing from the actor.
      }
    },
    ev);
}

void on_ready_frame(conn_ptr self, byte_view payload) {
  auto& st = self->state;
  // Padded intermediate adds 0..15 random bytes after the packet; an
  // encrypted packet is 24 + a multiple of 16 bytes, so the excess is known.
  const auto& f = st.cfg.framing;
  if ((f.kind == codec::framing::padded_intermediate
       || (f.kind == codec::framing::obfuscated2
           && f.inner == codec::framing::padded_intermediate))
      && payload.size() > 24)
    payload = payload.sub(0, payload.size() - (payload.size() - 24) % 16);
  st.events.clear();
  st.sess->on_packet(payload, st.events);
  for (auto& ev : st.events) {
    if (st.ph == phase::closed)
      break;  // a refused bind ended the connection
    on_event(self, ev);
  }
  st.events.clear();
}

void on_data(conn_ptr self, const caf::io::new_data_msg& msg) {
  auto& st = self->state;
  if (st.ph == phase::closed || !st.codec)
    return;
  st.last_rx = sclock::now();
  st.codec->feed(byte_view{reinterpret_cast<const uint8_t*>(msg.buf.data()), msg.buf.size()});
  codec::frame f;
  while (st.ph != phase::closed && st.codec->next(f)) {
    ++st.stats.frames_received;
    if (f.type == codec::frame::kind::quick_ack)
      continue;
    if (f.type == codec::frame::kind::transport_error) {
      const int32_t code = f.error_code;
      std::string what = "transport error " + std::to_string(code);
      if (code == -404) {
        what += st.temp_expires_at != 0
                  ? ": the server does not know the temporary auth key (make a new one)"
                  : ": the server does not know the auth key";
        // Only an answer to something we sent under a key says anything
        // about that key (value 0: no key in use yet).
        emit(self, frame_event_kind::auth_key_unknown, {},
             st.sess ? static_cast<int64_t>(st.auth_key_id) : 0, what);
      } else if (code == -429) {
        what += ": too many connections or requests (back off before reconnecting)";
      } else if (code == -444) {
        what += ": invalid DC";
      }
      fail(self, errc::transport_error, what, errc::transport_error, code);
      return;
    }
    if (st.ph == phase::handshaking)
      on_handshake_frame(self, f.payload);
    else if (st.ph == phase::ready || st.ph == phase::binding)
      on_ready_frame(self, f.payload);
  }
  if (st.ph != phase::ready)
    return;
  if (st.sess->queued_messages() > 0 || st.sess->pending_acks() >= st.cfg.limits.ack_threshold) {
    flush_out(self);
  } else if (st.sess->pending_acks() > 0 && !st.ack_armed) {
    st.ack_armed = true;
    self_timer(self, st.cfg.timeouts.ack_delay, ack_timer_atom::value, ++st.ack_gen);
  }
}

// Salts announced for the coming hours; more are asked for when few remain.
void maybe_request_salts(conn_ptr self) {
  auto& st = self->state;
  auto saved = st.sess->save();
  const int64_t horizon = (st.clock.unix_time_ns() + saved.time_offset_ns) / session::ns_per_second
                          + 2 * std::chrono::duration_cast<std::chrono::seconds>(
                                  st.cfg.timeouts.ping_interval)
                                  .count();
  if (sclock::now() < st.salts_paused_until)
    return;  // the server refused to tell: do not nag it
  size_t usable = 0;
  for (auto& e : saved.future_salts)
    if (e.valid_until > horizon)
      ++usable;
  if (usable < 2)
    st.sess->request_future_salts(32);
}

// Any exception out of transport/ (or anything else) ends the connection with
// every request answered, never a silently dropped promise.
template <class F>
void guarded(conn_ptr self, F&& f) {
  reply_scope scope{self};
  try {
    f();
  } catch (const handshake::handshake_error& e) {
    fail(self, errc::handshake_failed, std::string("handshake failed: ") + e.what(),
         errc::handshake_failed);
  } catch (const codec::frame_error& e) {
    fail(self, errc::malformed_reply, std::string("bad frame: ") + e.what(),
         errc::connection_lost);
  } catch (const session::session_error& e) {
    fail(self, errc::malformed_reply, std::string("packet failed a check: ") + e.what(),
         errc::connection_lost);
  } catch (const std::exception& e) {
    fail(self, errc::malformed_reply, std::string("protocol error: ") + e.what(),
         errc::connection_lost);
  }
}

caf::error closing_error() { return make_error(errc::dropped, "connection is closing"); }

caf::result<rpc_response> guarded_invoke(conn_ptr self, pooled_request& req) {
  auto& st = self->state;
  if (st.ph == phase::closed)
    return closing_error();
  caf::result<rpc_response> res = caf::delegated<rpc_response>{};
  guarded(self, [&] {
    res = on_invoke(self, req);
    flush_taken(self);
  });
  if (st.ph == phase::closed)
    return caf::delegated<rpc_response>{};  // shut_down answered its promise
  return res;
}

// The pool's batch: each request taken or refused as alone, every answer
// to the pool in pooled_replies.
void on_batch(conn_ptr self, pooled_batch& batch) {
  auto& st = self->state;
  if (auto from = caf::actor_cast<caf::actor>(self->current_sender()))
    st.reply_to = std::move(from);
  reply_scope scope{self};
  const auto now = sclock::now();  // one read: the deadlines count from the batch
  for (auto& item : batch.items) {
    if (st.ph == phase::closed) {  // a fault while taking this batch
      queue_reply(self, item.id, item.attempt, closing_error());
      continue;
    }
    guarded(self, [&] {
      if (auto err = refusal(st, item.req.body.get(), item.req.options)) {
        queue_reply(self, item.id, item.attempt, std::move(err));
        return;
      }
      pending_request who;
      who.to_pool = true;
      who.pool_id = item.id;
      who.pool_attempt = item.attempt;
      take(self, std::move(who), item.req, now);
    });
  }
  if (st.ph != phase::closed)
    guarded(self, [&] { flush_taken(self); });
  spare_vectors<pooled_item>::give(std::move(batch.items));   // for the pool's next batch
}

// The connection's end of a turn on the I/O thread (turn_bounded_broker.hpp):
// what the turn's handlers took leaves in one go. It cannot quit: flush_out
// runs only with a socket, and a fault then closes it in a later round.
void end_of_turn(conn_ptr self) {
  if (self->state.flush_wanted)
    guarded(self, [&] { flush_out(self); });
}

caf::behavior connection_impl(detail::turn_bounded_broker<conn_state, end_of_turn>* self,
                              connection_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.stats.dc_id = st.cfg.dc_id;
  st.init = connection_init(st.cfg.init, st.cfg.without_updates);

  self->set_exit_handler([=](caf::exit_msg& em) {
    auto reason = em.reason;
    if (self->state.ph == phase::closed) {  // lingering after a fault
      if (self->state.close_pending)        // quit once the socket is closed
        self->state.quit_after_close = std::move(reason);
      else
        self->quit(std::move(reason));
      return;
    }
    std::string what = "connection actor stopped: " + self->system().render(reason);
    shut_down(self, std::move(reason), errc::dropped, what, 0, false);
  });
  // The connection ends with its owner, however the owner ends: an exit
  // message reaches it only when the owner sends one, which a killed owner
  // (exit_reason::kill, an exception) never does, and a broker that outlives
  // everyone keeps the middleman, and so the actor system's shutdown, waiting
  // forever. A monitor, not a link: the owner must not die with us.
  if (st.cfg.parent) {
    const auto owner = st.cfg.parent.address();
    self->monitor(st.cfg.parent);
    self->set_down_handler([=](caf::down_msg& dm) {
      if (dm.source != owner)
        return;
      auto& st = self->state;
      if (st.ph == phase::closed) {
        if (st.close_pending)
          st.quit_after_close = dm.reason;
        else
          self->quit(dm.reason);
        return;
      }
      std::string what = "the connection's owner ended: " + self->system().render(dm.reason);
      shut_down(self, dm.reason, errc::dropped, what, 0, false);
    });
  }

  detail::start_connect(self, caf::actor_cast<caf::actor>(self), st.cfg.host, st.cfg.port,
                        st.cfg.timeouts.connect, ++st.connect_gen, st.slot);
  // Backstop in case the resolver outlives the connect timeout.
  self_timer(self, st.cfg.timeouts.connect + milliseconds(1000),
                     phase_timer_atom::value, ++st.phase_gen);

  return {
    [=](invoke_atom, rpc_request& req) -> caf::result<rpc_response> {
      // The body moves into a shared buffer: no copy of the bytes.
      pooled_request r;
      r.body = make_shared_recycled<const byte_buffer>(std::move(req.body));
      r.options = req.options;
      return guarded_invoke(self, r);
    },
    [=](invoke_atom, pooled_request& req) -> caf::result<rpc_response> {
      return guarded_invoke(self, req);
    },
    [=](invoke_atom, pooled_batch& batch) { on_batch(self, batch); },
    [=](caf::get_atom, handoff_atom) { return to_handoff(self->state); },
    [=](cancel_atom, uint64_t caller_token) {
      if (self->state.ph != phase::closed)
        guarded(self, [&] { cancel_request(self, caller_token); });
    },
    [=](caf::get_atom, stats_atom) -> connection_stats {
      auto& st = self->state;
      auto s = st.stats;
      s.queued = st.waiting.size();
      s.in_flight = st.pending.size() - st.waiting.size();
      s.bytes_in_flight = st.bytes_in_flight;
      return s;
    },
    [=](detail::conn_done_atom, uint64_t gen, const std::string& why) {
      auto& st = self->state;
      if (gen != st.connect_gen || st.ph != phase::connecting) {
        int fd = st.slot->take();
        if (fd >= 0)
          ::close(fd);
        return;
      }
      if (!why.empty()) {
        fail(self, errc::connection_failed, why, errc::connection_failed);
        return;
      }
      int fd = st.slot->take();
      if (fd < 0) {
        fail(self, errc::connection_failed, "connected socket went missing",
             errc::connection_failed);
        return;
      }
      st.hdl = self->add_scribe(fd);
      st.has_hdl = true;
      st.fd = fd;
      self->ack_writes(st.hdl, true);  // counts down scribe_queued
      guarded(self, [&] { on_connected(self); });
    },
    [=](const caf::io::new_data_msg& msg) { guarded(self, [&] { on_data(self, msg); }); },
    [=](const caf::io::data_transferred_msg& msg) {
      auto& st = self->state;
      st.scribe_queued -= std::min<size_t>(st.scribe_queued, msg.written);
    },
    [=](const caf::io::connection_closed_msg&) {
      self->state.has_hdl = false;
      self->state.fd = -1;
      fail(self, errc::connection_lost, "the server closed the connection",
           errc::connection_lost);
    },
    [=](send_now_atom) {
      self->state.flush_scheduled = false;
      guarded(self, [&] { flush_out(self); });
    },
    [=](ack_timer_atom, uint64_t gen) {
      auto& st = self->state;
      if (!st.ack_armed || gen != st.ack_gen)
        return;
      st.ack_armed = false;
      // Acks left since the last flush go now (at most ack_delay late);
      // none left: nothing to send, and no timer until the next answer.
      if (st.sess && (st.sess->pending_acks() > 0 || st.sess->queued_messages() > 0))
        guarded(self, [&] { flush_out(self); });
    },
    [=](deadline_atom, uint64_t gen) {
      auto& st = self->state;
      if (gen != st.deadline_gen || st.ph == phase::closed)
        return;
      st.deadline_armed_at = sclock::time_point::max();
      guarded(self, [&] {
        auto now = sclock::now();
        for (auto e = next_deadline(st); e && e->first <= now; e = next_deadline(st)) {
          st.deadlines.pop();
          expire(self, e->second);
        }
        arm_deadline(self);
      });
    },
    [=](ping_timer_atom) {
      auto& st = self->state;
      if (st.ph != phase::ready)
        return;
      guarded(self, [&] {
        st.ping_id = static_cast<int64_t>(st.rng.next<uint64_t>() >> 1);
        st.ping_outstanding = true;
        st.ping_sent = sclock::now();
        auto interval_s = std::chrono::duration_cast<std::chrono::seconds>(
                            st.cfg.timeouts.ping_interval)
                            .count();
        // Like Telegram's clients: ping every 60 s, the server may close
        // after 75 s without one.
        st.sess->ping_delay_disconnect(st.ping_id, static_cast<int32_t>(interval_s + 15));
        maybe_request_salts(self);
        flush_out(self);
        self_timer(self, st.cfg.timeouts.ping_interval, ping_timer_atom::value);
      });
    },
    [=](watchdog_atom) {
      auto& st = self->state;
      if (st.ph != phase::ready)
        return;
      auto silent = sclock::now() - st.last_rx;
      if (silent >= st.cfg.timeouts.dead_after) {
        fail(self, errc::connection_lost,
             "keepalive: nothing received for "
               + std::to_string(std::chrono::duration_cast<milliseconds>(silent).count())
               + " ms",
             errc::connection_lost);
        return;
      }
      arm_watchdog(self);
    },
    [=](phase_timer_atom, uint64_t gen) {
      auto& st = self->state;
      if (gen != st.phase_gen)
        return;
      if (st.ph == phase::connecting)
        fail(self, errc::connection_failed,
             st.cfg.host + ":" + std::to_string(st.cfg.port) + ": connect timed out",
             errc::connection_failed);
      else if (st.ph == phase::handshaking || st.ph == phase::binding)
        fail(self, errc::handshake_failed,
             "handshake not finished within "
               + std::to_string(st.cfg.timeouts.handshake.count()) + " ms",
             errc::handshake_failed);
    },
  };
}

} // namespace

connection_actor spawn_connection(caf::actor_system& sys, connection_config cfg) {
  auto hdl = sys.middleman().spawn_broker(connection_impl, std::move(cfg));
  return caf::actor_cast<connection_actor>(hdl);
}

} // namespace mtsender
