// Shared setup of the pool tests: one CAF node, an in-process test server
// with DCs 2 and 4 (real sockets, port 0), a pool_config pointing at it, and
// helpers to invoke through the pool and collect listener events.
//
// Catch macros run only on the test thread (scoped_actor receive handlers
// run there), never inside actors.
#pragma once

#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/tests/actors/queries.hpp"
#include "mtsender/tests/actors/test_node.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pool_test {

using namespace std::chrono_literals;
using namespace mtsender;

using namespace actor_test;   // node, is, nearest_dc_query, custom_query, bool_true, ...

inline test_dc::server_options two_dcs() {
  test_dc::server_options o;
  o.rsa_key = test_dc::shared_test_key();
  o.dcs = {test_dc::dc_endpoint{2, "127.0.0.1", 0}, test_dc::dc_endpoint{4, "127.0.0.1", 0}};
  return o;
}

// Permanent keys the server made (with PFS each connection also makes a
// temporary one).
inline uint64_t perm_keys_made(const test_dc::server_counters& c) {
  return c.handshakes_completed - c.temp_keys_made;
}

inline pool_config pool_config_for(test_dc::server& srv, size_t max_connections = 3) {
  pool_config c;
  c.dcs.clear();
  for (auto id : srv.dc_ids())
    c.dcs.push_back({id, srv.host(id), srv.port(id)});
  c.rsa_keys = {srv.public_key()};
  c.max_connections = max_connections;
  c.default_deadline = 10s;
  c.restart_base = 20ms;
  c.restart_cap = 500ms;
  c.timeouts.connect = 3s;
  c.timeouts.handshake = 5s;
  return c;
}

inline rpc_request request_of(byte_buffer body, int64_t deadline_ms = 0, bool safe = false) {
  rpc_request r;
  r.body = std::move(body);
  r.options.deadline_ms = deadline_ms;
  r.options.safe_to_repeat = safe;
  return r;
}

struct outcome {
  int answers = 0;
  std::optional<rpc_response> value;
  caf::error err;
  std::chrono::milliseconds took{0};
};

// Requests sent without waiting; collect() then waits for each answer, in
// order (each handle fires once; a second answer would stay in the mailbox,
// see stray_messages).
class pending_invokes {
public:
  pending_invokes(caf::scoped_actor& self, dc_pool pool, std::chrono::seconds timeout = 30s)
    : self_(self), pool_(std::move(pool)), timeout_(timeout) {}

  void send(int32_t dc, rpc_request req) {
    handles_.push_back(self_->request(pool_, timeout_, invoke_atom::value, dc, std::move(req)));
  }

  std::vector<outcome> collect() {
    std::vector<outcome> out(handles_.size());
    for (size_t i = 0; i < handles_.size(); ++i) {
      auto& o = out[i];
      handles_[i].receive([&](rpc_response& r) { ++o.answers; o.value = std::move(r); },
                          [&](caf::error& e) { ++o.answers; o.err = std::move(e); });
      o.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    }
    handles_.clear();
    return out;
  }

private:
  using handle_t = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<const dc_pool&>(), std::chrono::seconds{}, invoke_atom::value, int32_t{},
    rpc_request{}));
  caf::scoped_actor& self_;
  dc_pool pool_;
  std::chrono::seconds timeout_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::vector<handle_t> handles_;
};

// Sends every request at once, then waits for each answer.
inline std::vector<outcome> invoke_all(caf::scoped_actor& self, const dc_pool& pool,
                                       int32_t dc, std::vector<rpc_request> reqs,
                                       std::chrono::seconds timeout = 30s) {
  pending_invokes p{self, pool, timeout};
  for (auto& r : reqs)
    p.send(dc, std::move(r));
  return p.collect();
}

// Waits (up to `limit`) until the server has received `n` calls of `ctor` on `dc`.
inline bool server_got(test_dc::server& srv, int32_t dc, uint32_t ctor, uint64_t n,
                       std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (srv.counters(dc).count(ctor) < n) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

inline outcome invoke_one(caf::scoped_actor& self, const dc_pool& pool, int32_t dc,
                          rpc_request req) {
  std::vector<rpc_request> v;
  v.push_back(std::move(req));
  return invoke_all(self, pool, dc, std::move(v))[0];
}

// this_dc of a help.getNearestDc answer; -1 for no answer or another one.
inline int32_t this_dc_of(const outcome& o) {
  try {
    return o.value ? decode_result<api::help::getNearestDc>(*o.value).this_dc : -1;
  } catch (const tl::decode_error&) {
    return -1;
  }
}

inline pool_stats stats_of(caf::scoped_actor& self, const dc_pool& pool) {
  pool_stats out;
  self->request(pool, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](pool_stats& s) { out = std::move(s); },
             [&](caf::error& e) { FAIL("stats: " << to_string(e)); });
  return out;
}

inline void stop(caf::scoped_actor& self, const dc_pool& pool) {
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  self->wait_for(pool);
}

// Nothing else arrived for the test actor (no second answer to any request).
inline int stray_messages(caf::scoped_actor& self, std::chrono::milliseconds idle = 100ms) {
  int n = 0;
  bool more = true;
  while (more)
    self->receive([&](caf::message&) { ++n; }, caf::after(idle) >> [&] { more = false; });
  return n;
}

// A listener that forwards every frame_event to `sink` and acks it.
inline caf::behavior forwarding_listener(caf::event_based_actor*, caf::actor sink) {
  return {
    [=](const frame_event& ev) -> caf::ok_atom {
      caf::anon_send(sink, ev);
      return caf::ok_atom::value;
    },
  };
}

// A forwarding listener to the test actor, subscribed to the pool.
inline caf::actor listen_here(caf::scoped_actor& self, const dc_pool& pool) {
  auto listener = self->home_system().spawn(forwarding_listener, caf::actor{self});
  self->request(pool, 5s, listen_atom::value, listener)
    .receive([](caf::ok_atom) {}, [](caf::error& e) { FAIL("listen: " << to_string(e)); });
  return listener;
}

// Collects events sent to the test actor until `pred` holds or time runs out.
template <class Pred>
bool collect_until(caf::scoped_actor& self, std::vector<frame_event>& log, Pred pred,
                   std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred(log) && std::chrono::steady_clock::now() < until)
    self->receive([&](frame_event& e) { log.push_back(std::move(e)); },
                  caf::after(50ms) >> [] {});
  return pred(log);
}

inline size_t count_kind(const std::vector<frame_event>& log, frame_event_kind k) {
  size_t n = 0;
  for (auto& e : log)
    n += e.kind == k;
  return n;
}

// How many times the test server ran each tag. Its handlers run on the
// server's thread, the checks on the test's: every access takes the lock.
class run_counts {
public:
  // Counts one run of `tag`; returns how many there have been with it.
  int note(uint32_t tag) {
    std::lock_guard<std::mutex> g{mu_};
    return ++runs_[tag];
  }
  int of(uint32_t tag) {
    std::lock_guard<std::mutex> g{mu_};
    return runs_[tag];
  }

private:
  std::mutex mu_;
  std::map<uint32_t, int> runs_;
};

} // namespace pool_test
