// Shared setup of the connection actor tests: one CAF node with the
// middleman, one in-process test DC, helpers to spawn a connection, invoke
// and collect what the connection sends its parent.
//
// Catch macros run only on the test thread (scoped_actor receive handlers
// run there), never inside actors.
#pragma once

#include "mtsender/actors/connection.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/session_state.hpp"
#include "mtsender/tests/actors/queries.hpp"
#include "mtsender/tests/actors/test_node.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace conn_test {

using namespace std::chrono_literals;
using namespace mtsender;

using namespace actor_test;   // node, is, nearest_dc_query, custom_query, bool_true, ...

inline test_dc::server_options dc_options() {
  test_dc::server_options o;
  o.rsa_key = test_dc::shared_test_key();
  // A bare connection sends what it is given: the tests send bare API calls.
  o.rules.require_init_connection = false;
  return o;
}

inline connection_config make_config(test_dc::server& srv, caf::actor parent,
                                     codec::framing f = codec::framing::intermediate) {
  connection_config c;
  c.dc_id = 2;
  c.host = "127.0.0.1";
  c.port = srv.port(2);
  c.framing.kind = f;
  c.framing.dc_id = 2;
  c.rsa_keys.push_back(srv.public_key());
  c.parent = std::move(parent);
  c.timeouts.connect = 3s;
  c.timeouts.handshake = 5s;
  c.timeouts.default_deadline = 10s;
  return c;
}

// One request's outcome.
struct outcome {
  int answers = 0;
  std::optional<rpc_response> value;
  caf::error err;
};

// What the parent got, drained from the scoped actor's mailbox.
struct parent_log {
  std::vector<frame_event> events;
  std::vector<session_state> handoffs;
  int other = 0;

  bool has(frame_event_kind k) const {
    for (auto& e : events)
      if (e.kind == k)
        return true;
    return false;
  }
  size_t count(frame_event_kind k) const {
    size_t n = 0;
    for (auto& e : events)
      n += e.kind == k;
    return n;
  }
};

// Sends every body at once, then waits for every answer (each response
// handle fires once: a second answer to the same id would stay behind and be
// counted by drain() as `other`).
template <class Duration = std::chrono::seconds>
std::vector<outcome> invoke_all(caf::scoped_actor& self, const connection_actor& conn,
                                const std::vector<rpc_request>& reqs,
                                Duration timeout = std::chrono::seconds(20)) {
  using handle_t = decltype(self->request(conn, timeout, invoke_atom::value, reqs[0]));
  std::vector<handle_t> handles;
  handles.reserve(reqs.size());
  for (auto& r : reqs)
    handles.push_back(self->request(conn, timeout, invoke_atom::value, r));
  std::vector<outcome> out(reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto& o = out[i];
    handles[i].receive([&](rpc_response& r) { ++o.answers; o.value = std::move(r); },
                       [&](caf::error& e) { ++o.answers; o.err = std::move(e); });
  }
  return out;
}

inline outcome invoke_one(caf::scoped_actor& self, const connection_actor& conn,
                          rpc_request req, std::chrono::milliseconds timeout = 20s) {
  return invoke_all(self, conn, std::vector<rpc_request>{std::move(req)}, timeout)[0];
}

inline rpc_request request_of(byte_buffer body, int64_t deadline_ms = 0) {
  rpc_request r;
  r.body = std::move(body);
  r.options.deadline_ms = deadline_ms;
  return r;
}

// Collects what arrived for the parent, waiting up to `idle` for more.
inline void drain(caf::scoped_actor& self, parent_log& log,
                  std::chrono::milliseconds idle = 50ms) {
  bool more = true;
  while (more) {
    self->receive([&](frame_event& e) { log.events.push_back(std::move(e)); },
                  [&](handoff_atom, session_state& s) { log.handoffs.push_back(std::move(s)); },
                  [&](caf::down_msg&) { ++log.other; },
                  [&](caf::message&) { ++log.other; },
                  caf::after(idle) >> [&] { more = false; });
  }
}

// Waits until the parent got an event of kind `k` (or `limit` passes).
inline bool wait_event(caf::scoped_actor& self, parent_log& log, frame_event_kind k,
                       std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!log.has(k) && std::chrono::steady_clock::now() < until)
    drain(self, log, 20ms);
  return log.has(k);
}

// Waits for the connection to end; returns its exit reason.
inline caf::error wait_down(caf::scoped_actor& self, const connection_actor& conn,
                            parent_log& log, std::chrono::milliseconds limit = 10s) {
  caf::error reason;
  bool done = false;
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < until) {
    self->receive([&](caf::down_msg& dm) {
                    if (dm.source == conn.address()) {
                      reason = dm.reason;
                      done = true;
                    } else {
                      ++log.other;
                    }
                  },
                  [&](frame_event& e) { log.events.push_back(std::move(e)); },
                  [&](handoff_atom, session_state& s) { log.handoffs.push_back(std::move(s)); },
                  [&](caf::message&) { ++log.other; },
                  caf::after(100ms) >> [] {});
  }
  REQUIRE(done);
  UNSCOPED_INFO("down reason: " << to_string(reason));
  return reason;
}

inline void stop(caf::scoped_actor& self, const connection_actor& conn) {
  self->send_exit(conn, caf::exit_reason::user_shutdown);
  self->wait_for(conn);
}

} // namespace conn_test
