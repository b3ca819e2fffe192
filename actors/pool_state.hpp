// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The DC pool's state and internal messages, shared by the files that make up
// the pool actor (dc_pool.cpp: requests and retries; pool_supervision.cpp:
// connection slots, keys, restarts; pool_listeners.cpp: event fan-out).
// Not part of the public API.
#pragma once

#include "mtsender/actors/connection_init.hpp"
#include "mtsender/actors/latency_window.hpp"
#include "mtsender/actors/pool_config.hpp"
#include "mtsender/actors/pool_routing.hpp"
#include "mtsender/actors/retry/circuit_breaker.hpp"
#include "mtsender/actors/retry/flood_wait_registry.hpp"
#include "mtsender/actors/retry/retry_call.hpp"
#include "mtsender/actors/store_writer.hpp"
#include "mtsender/messages/connection_actor.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/pool_actor.hpp"
#include "mtsender/messages/session_state.hpp"
#include "mtsender/store/session_data.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/recycling_allocator.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/io/broker.hpp>
#include <caf/message.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace mtsender::pool_detail {

using sclock = std::chrono::steady_clock;

// Timers of the pool (local only).
using restart_atom = caf::atom_constant<caf::atom("prestart")>;    // dc, slot, gen
using retry_timer_atom = caf::atom_constant<caf::atom("pretry")>;  // invoke id, attempt
using deadline_atom = caf::atom_constant<caf::atom("pdeadline")>;  // invoke id
using reconnect_timer_atom = caf::atom_constant<caf::atom("prcdl")>;  // op id
using sweep_atom = caf::atom_constant<caf::atom("psweep")>;        // backstop, see dc_pool.cpp
using linger_atom = caf::atom_constant<caf::atom("plinger")>;      // shut down: quit now
using renew_atom = caf::atom_constant<caf::atom("prenew")>;        // dc, slot, gen: temp key
using idle_atom = caf::atom_constant<caf::atom("pidle")>;          // dc, slot, gen: file class

using pool_impl = dc_pool::extend<
  caf::reacts_to<frame_event>,
  caf::reacts_to<handoff_atom, session_state>,
  caf::reacts_to<restart_atom, int32_t, uint32_t, uint64_t>,
  caf::reacts_to<retry_timer_atom, uint64_t, uint64_t>,
  caf::reacts_to<deadline_atom, uint64_t>,
  caf::reacts_to<reconnect_timer_atom, uint64_t>,
  caf::reacts_to<sweep_atom>,
  caf::reacts_to<pooled_replies>,
  caf::reacts_to<store_failed_atom, std::string>,
  caf::reacts_to<renew_atom, int32_t, uint32_t, uint64_t>,
  caf::reacts_to<idle_atom, int32_t, uint32_t, uint64_t>>;

enum class slot_phase : uint8_t {
  empty,        // no connection, none wanted
  starting,     // connection spawned, not ready yet
  ready,        // takes requests
  backoff,      // failed; a restart timer is armed
  waiting_key,  // wants to start but another slot is making the DC's key
};

struct slot {
  slot_phase phase = slot_phase::empty;
  conn_class cls = conn_class::main;      // fixed by its place (pool_classes.cpp)
  connection_actor conn;
  caf::actor_addr addr;
  uint64_t gen = 0;                       // bumped on every spawn and restart timer
  uint64_t in_flight = 0;
  int failures = 0;                       // in a row, for the back-off
  sclock::time_point up_since{};
  std::optional<session_state> session;   // to continue on the next connection
  bool planned_restart = false;           // we closed it (reconnect, new key)
  bool makes_key = false;
  bool closing = false;                   // its requests came back lost: it is going down
  bool loss_reported = false;             // the retry policy heard of this loss once
  // Invocations its last connection lost after sending: the next connection
  // continues the same MTProto session, so it can ask the server about them.
  std::vector<uint64_t> resume;
  // Keys (pool_keys.cpp).
  bool probe = false;                     // its connection checks a suspect permanent key
  bool draining = false;                  // its temporary key is due: no new requests
  sclock::time_point drain_until{};
  int64_t dead_key_id = 0;                // a temporary key the server did not know
  uint64_t key_epoch = 0;                 // dc_entry::key_epoch when it was spawned
  // File classes (pool_classes.cpp): when it last had nothing in flight,
  // and whether it is closing for idleness (then not restarted).
  sclock::time_point last_used{};
  bool retiring = false;
};

// A connection class's share of a DC's slots: slots [first, first + count),
// with its own round-robin cursor, queue and counters (pool_classes.cpp).
struct class_slots {
  size_t first = 0;
  size_t count = 0;
  size_t rr = 0;
  std::deque<uint64_t> queue;             // invocations waiting for a live slot of the class
  uint64_t answered = 0;
  uint64_t opened = 0;
  uint64_t idle_closed = 0;
};

struct dc_entry {
  int32_t id = 0;
  dc_endpoint ep;
  std::vector<slot> slots;                // every class's, see `classes`
  // class_loads() fills this: routing asks for the loads on every request,
  // and a vector made each time was two allocations per request.
  mutable std::vector<slot_load> loads;
  byte_buffer auth_key;                   // empty: none yet
  int64_t key_salt = 0;
  int64_t key_time_offset_ns = 0;
  bool key_in_progress = false;           // one slot is handshaking
  bool salt_pending = false;              // key made, its salt not known yet
  // A -404 or a refused bind named the permanent key: the next connection
  // checks it (verify_key) before it is dropped (pool_keys.cpp).
  bool key_suspect = false;
  uint64_t key_epoch = 0;                 // bumped when the permanent key is dropped
  std::array<class_slots, conn_class_count> classes;  // by conn_class
  latency_window rtt;
  pool_dc_stats stats;
  // The slot whose session receives the DC's updates (-1: none yet); every
  // other slot sends inside invokeWithoutUpdates (pool_updates_role.cpp).
  int update_slot = -1;
  bool used = false;                      // got an invoke or a reconnect
  // Connection attempts that failed before becoming ready, in a row, and
  // the last one's cause (see pool_config::unreachable_after).
  int failed_attempts = 0;
  std::string last_failure;
  // Authorization across DCs (pool_authorization.cpp): the account is
  // logged in under this DC's key; else, while `importing`, the requests in
  // `auth_waiting` wait for auth.exportAuthorization / importAuthorization.
  bool authorized = false;
  bool importing = false;
  std::vector<uint64_t> auth_waiting;
  // The live DC table (pool_dc_config.cpp): where `ep` came from and how
  // to reach it.
  bool pinned = false;                    // configured, pool_config::pin_configured_dcs
  bool learned = false;                   // help.getConfig's (this run or the store's)
  bool obfuscated_only = false;           // tcpo_only: obfuscated2 framing only
  std::optional<int128> proxy_secret;     // with obfuscated_only
};

// resuming: lost after a send, parked on its slot until the slot's next
// connection (same MTProto session) can ask the server whether it got it.
enum class inv_where : uint8_t { queued, in_flight, sleeping, resuming };

struct invocation {
  uint64_t id = 0;
  int32_t dc_id = 0;
  // Shared with the connection, never copied: resends and retries reuse it.
  std::shared_ptr<const byte_buffer> body;
  uint32_t method = 0;                    // under any wrapper (tl::inner_method_id)
  rpc_options options;
  caf::typed_response_promise<rpc_response> rp;
  std::optional<retry::retry_call> rc;
  inv_where where = inv_where::queued;
  uint64_t attempt = 0;                   // bumped per send and per retry timer
  int slot = -1;
  uint64_t slot_gen = 0;
  sclock::time_point sent_at{};
  sclock::time_point deadline{};
  int resends = 0;
  bool may_have_executed = false;         // an earlier attempt may have run
  bool deadline_armed = false;            // the pool's own deadline timer is set
  int migrations = 0;                     // *_MIGRATE answers followed
  bool reauthorized = false;              // held again after AUTH_KEY_UNREGISTERED once
  // The attempt a lost connection sent (its session and msg_id), and the
  // slot whose next connection continues that session; 0 / -1: none.
  int64_t lost_session_id = 0;
  int64_t lost_msg_id = 0;
  int lost_slot = -1;
};

struct listener {
  caf::actor who;
  listener_options opts;
  uint64_t epoch = 0;                     // acks of an older subscription are ignored
  uint32_t unacked = 0;
  std::deque<std::pair<caf::message, size_t>> queue;  // with each event's bytes
  uint64_t queued_bytes = 0;
  uint64_t gap = 0;                       // dropped since the last gap event
};

struct reconnect_op {
  caf::typed_response_promise<caf::ok_atom> rp;
  std::set<std::pair<int32_t, int>> waiting;  // (dc, slot) not ready yet
};

// A request for a DC the pool had no address for, waiting for help.getConfig
// (pool_dc_config.cpp).
struct unknown_dc_wait {
  int32_t dc_id = 0;
  rpc_request req;
  sclock::time_point deadline{};
  caf::typed_response_promise<rpc_response> rp;
};

struct dc_config_state {
  bool asked_after_start = false;         // the first live connection asked once
  bool running = false;                   // one help.getConfig at a time
  int32_t asking = 0;                     // the DC it runs on
  std::vector<caf::typed_response_promise<dc_table_snapshot>> waiters;
  std::vector<unknown_dc_wait> unknown;
  // Invocations a *_MIGRATE_X sent to a DC without an address: the error,
  // followed or given back once help.getConfig answered.
  std::vector<std::pair<uint64_t, caf::error>> migrating;
  // CDN DCs' RSA keys, by DC: help.getCdnConfig's answer, asked whenever
  // help.getConfig lists a CDN DC. A CDN DC has its own keys and no
  // authorization, and presents only them in the handshake.
  std::map<int32_t, std::vector<crypto::rsa_public_key>> cdn_keys;
};

struct pool_state {
  pool_config cfg;
  // Connection init heads made once from cfg.identity (null: no init).
  std::shared_ptr<const init_heads> init;
  std::shared_ptr<random_source> rng = std::make_shared<crypto::secure_random>();
  std::map<int32_t, dc_entry> dcs;
  std::map<caf::actor_addr, std::pair<int32_t, int>> slot_of;   // connection -> (dc, slot)
  recycled_map<uint64_t, invocation> invocations;
  uint64_t next_invocation = 1;
  recycled_map<uint64_t, uint64_t> by_token;   // rpc_options::token -> invocation
  int32_t home_dc = 0;                    // pool_migrations.cpp
  dc_config_state dc_config;              // pool_dc_config.cpp

  std::shared_ptr<retry::circuit_breaker> breaker;
  std::shared_ptr<retry::flood_wait_registry> floods =
    std::make_shared<retry::flood_wait_registry>();
  std::shared_ptr<retry::retry_policy> default_policy;
  std::map<int32_t, std::shared_ptr<retry::retry_policy>> capped_policies;  // by max_retries

  std::map<caf::actor_addr, listener> listeners;
  uint64_t next_epoch = 1;
  uint64_t events_dropped = 0;
  uint64_t listeners_removed = 0;

  std::map<uint64_t, reconnect_op> reconnects;
  uint64_t next_reconnect = 1;

  store::session_data stored;             // what the store holds (when there is one)
  caf::actor writer;                      // saves `stored` off this thread (store_writer.hpp)
  bool sweep_armed = false;
  bool shutting_down = false;

  // Requests routed to a connection but not sent yet: they leave as one
  // pooled_batch per connection at the end of the pool's turn on the I/O
  // thread, or sooner when many wait (dc_pool.cpp, outbox_scope).
  std::vector<std::pair<connection_actor, pooled_item>> outbox;
  std::vector<std::pair<connection_actor, pooled_item>> outbox_sending;  // flush_outbox's
  int outbox_depth = 0;
};

// The pool is a broker without sockets: it runs on the middleman's I/O
// thread with its connections, so the hops between them are calls on one
// thread instead of wake-ups of another (about 2 us per request otherwise).
// Nothing in it may block. pool_impl still checks its handlers at compile time.
using pool_ptr = caf::stateful_actor<pool_state, caf::io::broker>*;

// Timers go out anonymously: a timer that lands in the mailbox while the
// broker terminates would otherwise hold a strong reference to it (as the
// sender) inside its own mailbox, a cycle that leaks it.
template <class Duration, class... Ts>
void self_timer(pool_ptr self, Duration delay, Ts&&... xs) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), delay, std::forward<Ts>(xs)...);
}

// pool_listeners.cpp
void publish(pool_ptr self, frame_event ev);
void add_listener(pool_ptr self, caf::actor who, listener_options opts);
bool remove_listener(pool_ptr self, const caf::actor_addr& who);

// pool_supervision.cpp
// At least one slot of the class used.
void ensure_slot(pool_ptr self, dc_entry& dc, conn_class c = conn_class::main);
// Routing says: one more slot of the class.
void maybe_open_slot(pool_ptr self, dc_entry& dc, conn_class c = conn_class::main);
void on_connection_event(pool_ptr self, const frame_event& ev);
void on_handoff(pool_ptr self, session_state& s);
void on_store_failed(pool_ptr self, const std::string& what);
bool on_connection_down(pool_ptr self, const caf::down_msg& dm);  // false: not a slot
// The DC and slot a timer was armed for: null when the pool is shutting
// down, or the slot is gone, holds another connection (gen) or is no longer
// in the phase the timer was armed in.
std::pair<dc_entry*, slot*> timer_target(pool_ptr self, int32_t dc_id, uint32_t idx,
                                         uint64_t gen, slot_phase armed_in);
void on_restart_timer(pool_ptr self, int32_t dc_id, uint32_t slot, uint64_t gen);
caf::result<caf::ok_atom> start_reconnect(pool_ptr self, const reconnect_request& req);
void on_reconnect_timer(pool_ptr self, uint64_t op);
void replace_slot(pool_ptr self, slot& s);                // closes it, restarts at once

// pool_keys.cpp: which key a new connection uses, and what a key event means
void configure_keys(pool_ptr self, dc_entry& dc, slot& s, connection_config& c);
bool accept_handoff(pool_ptr self, dc_entry& dc, slot& s, session_state& ss);
void on_key_unknown(pool_ptr self, dc_entry& dc, slot& s, const frame_event& ev);
void on_slot_up(pool_ptr self, dc_entry& dc, int idx, const frame_event& ev);
void on_renew_timer(pool_ptr self, int32_t dc_id, uint32_t idx, uint64_t gen);

// pool_cancel.cpp: cancel by rpc_options::token
// False (with `err` set) when another pending request has the token.
bool register_token(pool_ptr self, const invocation& inv, caf::error& err);
void forget_token(pool_ptr self, const invocation& inv);
caf::result<bool> on_cancel(pool_ptr self, uint64_t token);

// pool_migrations.cpp: home DC and *_MIGRATE_X
int32_t initial_home_dc(const pool_state& st);
// True when `err` was a migration the pool follows (the request went on).
bool follow_migration(pool_ptr self, invocation& inv, const caf::error& err);

// pool_authorization.cpp: authorization across DCs
// True when the request waits for its DC's key to be authorized (it is
// parked; dispatch is called again when the import ends).
bool hold_for_authorization(pool_ptr self, invocation& inv);
// An answer: a login or import that answered auth.authorization marks the DC.
void learn_authorization(pool_ptr self, const invocation& inv, const rpc_response& r);
// The DC's key changed: its authorization is gone.
void forget_authorization(pool_ptr self, dc_entry& dc);
// True when `err` (401 AUTH_KEY_UNREGISTERED on a DC thought authorized)
// sent the request back to wait for a new import (at most once).
bool reauthorize(pool_ptr self, invocation& inv, const caf::error& err);

// pool_classes.cpp: connection classes (main, upload, download) per DC
// Sizes the DC's slots and gives each class its range.
void layout_slots(const pool_config& cfg, dc_entry& dc);
conn_class class_of(const invocation& inv);
class_slots& class_of(dc_entry& dc, conn_class c);
// The loads of the class's slots only (index 0 is slot classes[c].first),
// valid until the next call for the same DC.
const std::vector<slot_load>& class_loads(const dc_entry& dc, conn_class c);
// The least busy live slot of the class (a DC-wide index), or -1.
int pick_in_class(dc_entry& dc, conn_class c);
// A slot started a connection / became ready / a request on it ended.
void class_slot_started(dc_entry& dc, int idx);
void class_slot_ready(pool_ptr self, dc_entry& dc, int idx);
void class_slot_released(slot& s);
// Its idle timer: closes a file slot that had nothing in flight long enough.
void on_idle_timer(pool_ptr self, int32_t dc_id, uint32_t idx, uint64_t gen);
// The slot's connection went down: true when it was closed for idleness
// (the slot is empty now and must not be restarted).
bool retired(dc_entry& dc, slot& s);
void add_class_stats(const dc_entry& dc, pool_dc_stats& out);

// pool_updates_role.cpp: one update stream per DC
void updates_role_on_ready(pool_ptr self, dc_entry& dc, int idx);
void updates_role_on_down(pool_ptr self, dc_entry& dc, int idx);
bool is_update_slot(const dc_entry& dc, int idx);
// False: an update that came from another slot than the DC's update slot.
bool accept_update(const dc_entry& dc, int idx);
// The update slot for requests about the update stream (updates.getState,
// updates.getDifference, ...) when it is ready; -1 otherwise.
int preferred_slot(const dc_entry& dc, const invocation& inv);

// pool_dc_config.cpp: the live DC table
// The DCs of the config and the store (the config's first when pinned).
void load_dc_table(pool_ptr self);
// A slot became ready: the first one asks help.getConfig (learn_dcs).
void dc_config_on_ready(pool_ptr self, dc_entry& dc);
caf::result<dc_table_snapshot> on_refresh_dc_config(pool_ptr self, const refresh_dc_config& r);
// A request for a DC without an address: it waits for help.getConfig (and
// is invoked again, or answered unknown_dc); nullopt when not learning.
std::optional<caf::result<rpc_response>> wait_for_unknown_dc(pool_ptr self, int32_t dc_id,
                                                            rpc_request& req);
// A *_MIGRATE_X named DC `target` without an address: the invocation waits
// for help.getConfig, then follows the error or gets it; false when not
// learning.
bool wait_for_migration_dc(pool_ptr self, invocation& inv, int32_t target, const caf::error& err);
// A DC's address for the store, with its route flags.
store::dc_address stored_address_of(const dc_entry& dc);
// Framing for a DC reached only through obfuscation (tcpo_only).
void configure_route(pool_ptr self, const dc_entry& dc, connection_config& c);
// Shutting down: everything waiting for help.getConfig gets `dropped`.
void dc_config_shut_down(pool_ptr self);

// dc_pool.cpp
// to a live slot, or queue it; `now` when the caller has read the clock already
void dispatch(pool_ptr self, invocation& inv, sclock::time_point now = sclock::now());
void drain_queue(pool_ptr self, dc_entry& dc, conn_class c);  // a slot of c became ready
void resume_slot(pool_ptr self, dc_entry& dc, int idx); // its lost requests, first
void arm_pool_deadline(pool_ptr self, invocation& inv);  // a timer for a waiting request
// Never sent: its retry attempt ends with `err`, and so does the request.
void fail_held(pool_ptr self, invocation& inv, caf::error err);
// A new retry call for the invocation's current DC, and its first step.
void restart_attempts(pool_ptr self, invocation& inv);
// Answers the invocation with `err` and forgets it.
void finish_invocation(pool_ptr self, uint64_t id, caf::error err);
bool unreachable(pool_ptr self, const dc_entry& dc);     // see unreachable_after
void fail_queue(pool_ptr self, dc_entry& dc);           // unreachable: connection_failed (every class)
// An attempt on the slot ended with an error that means its connection is
// going down: route nothing more to it.
bool ends_connection(const caf::error& err);
std::string cause_of(pool_ptr self, const caf::error& err);

} // namespace mtsender::pool_detail
