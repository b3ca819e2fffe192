// Cancelling requests through the pool by rpc_options::token: a queued one is
// removed, a sent one gets rpc_drop_answer and its late answer is discarded,
// and a cancel racing the answer still leaves exactly one answer.
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <map>
#include <mutex>

using namespace pool_test;

namespace {

rpc_request with_token(byte_buffer body, uint64_t token, int64_t deadline_ms = 10'000) {
  auto r = request_of(std::move(body), deadline_ms);
  r.options.token = token;
  return r;
}

bool cancel(caf::scoped_actor& self, const dc_pool& pool, uint64_t token) {
  bool found = false;
  self->request(pool, 5s, cancel_atom::value, token)
    .receive([&](bool f) { found = f; }, [&](caf::error& e) { FAIL("cancel: " << to_string(e)); });
  return found;
}

} // namespace

TEST_CASE("cancel a queued request", "[actors][pool][cancel]") {
  node n;
  auto o = two_dcs();
  o.faults.stall = true;   // connections never get past the handshake: requests queue
  test_dc::server srv{o};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  pending_invokes p{self, pool};
  p.send(2, with_token(custom_query(1), 5));
  p.send(2, with_token(custom_query(2), 6, 300));
  CHECK_FALSE(cancel(self, pool, 99));   // no such token
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(cancel(self, pool, 5));
  CHECK_FALSE(cancel(self, pool, 5));    // already answered
  auto out = p.collect();
  CHECK(out[0].answers == 1);
  CHECK(out[0].err == errc::cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  const auto* d = detail_of(out[0].err);
  REQUIRE(d);
  CHECK_FALSE(d->may_have_executed);
  // The other one was not touched: it ends by its own deadline.
  CHECK(out[1].err == errc::deadline_exceeded);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("cancel a sent request: rpc_drop_answer, the late answer discarded",
          "[actors][pool][cancel]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call& c) {
    if (tag_of(c) == 1)   // answered late
      return test_dc::rpc_reply::result(bool_true()).after(std::chrono::milliseconds(500));
    return test_dc::rpc_reply::result(bool_true());
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(0))).value);   // connected
  pending_invokes p{self, pool};
  p.send(2, with_token(custom_query(1), 7));
  REQUIRE(server_got(srv, 2, custom_query_id, 2));
  CHECK(cancel(self, pool, 7));
  auto out = p.collect();
  CHECK(out[0].answers == 1);
  CHECK(out[0].err == errc::cancelled);
  const auto* d = detail_of(out[0].err);
  REQUIRE(d);
  CHECK(d->may_have_executed);
  // The server was told to drop the answer.
  REQUIRE(server_got(srv, 2, tl::rpc_drop_answer::id, 1));
  // Past the late answer's time: nothing more reached the caller, and the
  // pool and its connection go on working; the token is free again.
  std::this_thread::sleep_for(700ms);
  CHECK(stray_messages(self) == 0);
  CHECK(invoke_one(self, pool, 2, with_token(custom_query(2), 7)).value);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->in_flight == 0);
  stop(self, pool);
}

TEST_CASE("a cancel racing the answer: exactly one answer", "[actors][pool][cancel]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call& c) {
    return test_dc::rpc_reply::result(bool_true())
      .after(std::chrono::milliseconds(tag_of(c) % 4));
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 2));
  caf::scoped_actor self{*n.sys};
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(0))).value);
  int cancelled = 0, answered = 0;
  for (uint32_t i = 1; i <= 40; ++i) {
    const uint64_t token = 1000 + i;
    auto h = self->request(pool, 30s, invoke_atom::value, int32_t{2},
                           with_token(custom_query(i), token));
    // The cancel goes right behind the invoke, or a little later.
    if (i % 3 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(i % 5));
    const bool found = cancel(self, pool, token);
    int answers = 0;
    bool was_cancelled = false;
    h.receive([&](rpc_response&) { ++answers; },
              [&](caf::error& e) {
                ++answers;
                was_cancelled = e == errc::cancelled;
                CHECK((was_cancelled || !found));
              });
    CHECK(answers == 1);
    // The cancel says true exactly when the caller got `cancelled`.
    CHECK(found == was_cancelled);
    (was_cancelled ? cancelled : answered) += 1;
  }
  CHECK(stray_messages(self, 300ms) == 0);
  CHECK(cancelled + answered == 40);
  stop(self, pool);
}

TEST_CASE("a request cancelled before the pool sent it never reaches the server",
          "[actors][pool][cancel]") {
  // The pool sends the requests of a burst together, once its mailbox is
  // empty (its outbox, dc_pool.cpp). A cancel that arrives meanwhile takes
  // the request back: answered cancelled, not possibly run, never sent. A
  // cancel sent to the connection instead would overtake the request there
  // and find nothing to cancel, and the request would run.
  node n;
  test_dc::server srv{two_dcs()};
  std::mutex m;
  std::map<uint32_t, int> runs;
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    std::lock_guard<std::mutex> g{m};
    ++runs[tag_of(c)];
    return test_dc::rpc_reply::result(bool_true());
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(0))).value);   // connected
  using cancel_handle = decltype(self->request(pool, 5s, cancel_atom::value, uint64_t{}));
  std::vector<uint32_t> never_sent;
  for (uint32_t round = 0; round < 20; ++round) {
    const uint32_t first = 100 + round * 8;
    pending_invokes p{self, pool};
    for (uint32_t tag = first; tag < first + 8; ++tag)
      p.send(2, with_token(custom_query(tag), tag));
    std::vector<cancel_handle> cancels;
    for (uint32_t tag = first; tag < first + 8; ++tag)
      cancels.push_back(self->request(pool, 5s, cancel_atom::value, uint64_t{tag}));
    auto out = p.collect();
    for (auto& c : cancels)
      c.receive([](bool) {}, [](caf::error& e) { FAIL("cancel: " << to_string(e)); });
    for (uint32_t k = 0; k < 8; ++k) {
      CHECK(out[k].answers == 1);
      if (out[k].err != errc::cancelled)
        continue;
      const auto* d = detail_of(out[k].err);
      REQUIRE(d);
      if (!d->may_have_executed)
        never_sent.push_back(first + k);
    }
  }
  // Whatever was sent has reached the server by now.
  CHECK(invoke_one(self, pool, 2, request_of(custom_query(1))).value);
  std::this_thread::sleep_for(200ms);
  {
    std::lock_guard<std::mutex> g{m};
    for (auto tag : never_sent) {
      INFO("tag " << tag);
      CHECK(runs[tag] == 0);
    }
  }
  // The burst path was taken at all (a loaded machine still queues 16
  // messages faster than the pool's thread wakes up for the first).
  CHECK_FALSE(never_sent.empty());
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a token in use by a pending request is refused", "[actors][pool][cancel]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::result(bool_true()).after(std::chrono::milliseconds(300));
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  pending_invokes p{self, pool};
  p.send(2, with_token(custom_query(1), 3));
  p.send(2, with_token(custom_query(2), 3));
  auto out = p.collect();
  CHECK(out[0].value);
  CHECK(out[1].err == errc::invalid_request);
  stop(self, pool);
}
