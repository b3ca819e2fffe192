// The pool's batches (pooled_batch in, pooled_replies out) when the
// connection fails: every item of a batch gets exactly one pooled_reply,
// whatever happens. Here the test actor plays the pool: it sends batches and
// reads the replies, until the connection's down message, which CAF delivers
// after everything the connection sent before it, so a second reply to any
// item would be seen.
#include "connection_fixture.hpp"

#include <map>
#include <set>
#include <thread>

using namespace conn_test;

namespace {

pooled_item item_of(uint64_t id, uint64_t attempt, byte_buffer body) {
  pooled_item item;
  item.id = id;
  item.attempt = attempt;
  item.req.body = std::make_shared<const byte_buffer>(std::move(body));
  return item;
}

// Every pooled_reply the test actor got, by item id, in arrival order.
struct reply_log {
  std::map<uint64_t, std::vector<pooled_reply>> by_id;
  size_t replies = 0;
  caf::error down_reason;
  bool down = false;

  void add(pooled_replies& r) {
    for (auto& x : r.items) {
      ++replies;
      by_id[x.id].push_back(std::move(x));
    }
  }
  // Ids answered at least once among `ids`.
  size_t answered(const std::set<uint64_t>& ids) const {
    size_t n = 0;
    for (auto id : ids)
      n += by_id.count(id);
    return n;
  }
};

// Reads replies (and the parent's other messages) until every id in `ids`
// has a reply, or 10 s pass.
void collect_replies(caf::scoped_actor& self, reply_log& replies, parent_log& log,
                     const std::set<uint64_t>& ids) {
  auto until = std::chrono::steady_clock::now() + 10s;
  while (replies.answered(ids) < ids.size() && std::chrono::steady_clock::now() < until)
    self->receive([&](pooled_replies& r) { replies.add(r); },
                  [&](frame_event& e) { log.events.push_back(std::move(e)); },
                  [&](handoff_atom, session_state& s) { log.handoffs.push_back(std::move(s)); },
                  [&](caf::down_msg& dm) {
                    replies.down = true;
                    replies.down_reason = dm.reason;
                  },
                  [&](caf::message&) { ++log.other; },
                  caf::after(100ms) >> [] {});
}

// Reads replies until the connection's down message (or 10 s pass): CAF
// keeps one sender's messages in order, so whatever the connection sent
// before it ended is in `replies` afterwards.
void collect_until_down(caf::scoped_actor& self, const connection_actor& conn,
                        reply_log& replies, parent_log& log) {
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!replies.down && std::chrono::steady_clock::now() < until)
    self->receive([&](pooled_replies& r) { replies.add(r); },
                  [&](frame_event& e) { log.events.push_back(std::move(e)); },
                  [&](handoff_atom, session_state& s) { log.handoffs.push_back(std::move(s)); },
                  [&](caf::down_msg& dm) {
                    if (dm.source == conn.address()) {
                      replies.down = true;
                      replies.down_reason = dm.reason;
                    } else {
                      ++log.other;
                    }
                  },
                  [&](caf::message&) { ++log.other; },
                  caf::after(100ms) >> [] {});
  REQUIRE(replies.down);
}

// No reply for an id never sent, and at most one for each id sent.
void check_once_each(const reply_log& replies, const std::map<uint64_t, uint64_t>& attempts) {
  for (auto& [id, list] : replies.by_id) {
    INFO("item " << id);
    CHECK(attempts.count(id) == 1);
    CHECK(list.size() == 1);
  }
  CHECK(replies.replies == replies.by_id.size());
}

// A batch as built, with the attempt each item was sent as.
struct batch_builder {
  pooled_batch batch;
  std::map<uint64_t, uint64_t> attempts;
  std::set<uint64_t> ids;
  void add(pooled_item item) {
    attempts[item.id] = item.attempt;
    ids.insert(item.id);
    batch.items.push_back(std::move(item));
  }
};

} // namespace

TEST_CASE("a batch sent to a lingering connection: each item refused once, none sent",
          "[actors][connection][batch][fault]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.on(custom_query_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::result(bool_true()); });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.timeouts.linger = 10s;  // lingers until the test ends it
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);

  // The server closes; the connection's connection_down says it has
  // faulted (it is sent after the connection turned to lingering).
  srv.close_connections();
  parent_log log;
  REQUIRE(wait_event(self, log, frame_event_kind::connection_down, 10s));

  // 20 items, with varied attempts; one names an attempt an earlier
  // connection lost, whose name the refusal must pass on.
  constexpr uint64_t total = 20;
  constexpr int64_t lost_session = 0x1234567, lost_msg = 0x600000000004;
  const uint64_t lost_id = 1000;
  batch_builder b;
  for (uint64_t i = 0; i < total; ++i) {
    auto item = item_of(1000 + i, 1 + i % 3, custom_query(uint32_t(i)));
    if (item.id == lost_id) {
      item.req.lost_session_id = lost_session;
      item.req.lost_msg_id = lost_msg;
    }
    b.add(std::move(item));
  }
  self->send(conn, invoke_atom::value, std::move(b.batch));

  reply_log replies;
  collect_replies(self, replies, log, b.ids);
  CHECK_FALSE(replies.down);  // still lingering when the replies came
  self->send_exit(conn, caf::exit_reason::user_shutdown);
  collect_until_down(self, conn, replies, log);
  CHECK(replies.down_reason == caf::exit_reason::user_shutdown);

  check_once_each(replies, b.attempts);
  CHECK(replies.answered(b.ids) == total);
  for (auto& [id, list] : replies.by_id) {
    INFO("item " << id);
    auto& r = list.front();
    CHECK(r.attempt == b.attempts[id]);
    CHECK(r.response.bytes.empty());
    REQUIRE(r.err);
    INFO(to_string(r.err));
    // A connection the server closed refuses as connection_lost: nothing of
    // this batch was sent, so the pool may send it anywhere again.
    CHECK(is(r.err, errc::connection_lost));
    auto* d = detail_of(r.err);
    REQUIRE(d);
    CHECK(d->dc_id == 2);
    CHECK_THAT(d->what, Catch::StartsWith("connection closed: "));
    if (id == lost_id) {
      CHECK(d->may_have_executed);
      CHECK(d->session_id == lost_session);
      CHECK(d->msg_id == lost_msg);
    } else {
      CHECK_FALSE(d->may_have_executed);
      CHECK(d->msg_id == 0);
    }
  }
  CHECK(srv.counters().count(custom_query_id) == 0);  // none reached the server
  CHECK(log.other == 0);
}

TEST_CASE("a batch half answered when the server drops the connection: the rest fail once, "
          "as may have run",
          "[actors][connection][batch][fault]") {
  node n;
  test_dc::server srv{dc_options()};
  // Even tags are answered at once, odd ones held until the connection dies.
  srv.on(custom_query_id, [](const test_dc::rpc_call& call) {
    return tag_of(call) % 2 == 0 ? test_dc::rpc_reply::result(bool_true())
                                 : test_dc::rpc_reply::no_answer();
  });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  self->monitor(conn);
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);

  constexpr uint64_t total = 20;
  batch_builder b;
  std::set<uint64_t> held;
  for (uint64_t i = 0; i < total; ++i) {
    auto item = item_of(500 + i, 7, custom_query(uint32_t(i)));
    if (i % 2 == 1)
      held.insert(item.id);
    b.add(std::move(item));
  }
  std::set<uint64_t> answered_first;
  for (auto id : b.ids)
    if (held.count(id) == 0)
      answered_first.insert(id);
  self->send(conn, invoke_atom::value, std::move(b.batch));

  reply_log replies;
  parent_log log;
  collect_replies(self, replies, log, answered_first);
  REQUIRE(replies.answered(answered_first) == answered_first.size());
  CHECK(replies.answered(held) == 0);
  for (auto id : answered_first) {
    INFO("item " << id);
    auto& r = replies.by_id[id].front();
    if (r.err)
      FAIL("answered with an error: " << to_string(r.err));
    CHECK(r.attempt == 7);
    CHECK(r.response.bytes == bool_true());
  }
  // Every item reached the server before it drops the connection.
  REQUIRE(eventually([&] { return srv.counters().count(custom_query_id) == total; }));
  srv.close_connections();
  collect_until_down(self, conn, replies, log);
  INFO("down reason: " << to_string(replies.down_reason));
  CHECK(is(replies.down_reason, errc::connection_lost));

  check_once_each(replies, b.attempts);
  CHECK(replies.answered(b.ids) == total);
  for (auto id : held) {
    INFO("item " << id);
    REQUIRE(replies.by_id.count(id) == 1);
    auto& r = replies.by_id[id].front();
    CHECK(r.attempt == 7);
    REQUIRE(r.err);
    INFO(to_string(r.err));
    CHECK(is(r.err, errc::connection_lost));
    auto* d = detail_of(r.err);
    REQUIRE(d);
    // Sent, and the server may have read it: the pool must not resend it
    // blindly, and a later connection of the session can ask about it.
    CHECK(d->may_have_executed);
    CHECK(d->dc_id == 2);
    CHECK(d->session_id != 0);
    CHECK(d->msg_id != 0);
  }
  // The ones answered before the fault stay answered once, with their result.
  for (auto id : answered_first) {
    INFO("item " << id);
    CHECK(replies.by_id[id].size() == 1);
    CHECK_FALSE(replies.by_id[id].front().err);
  }
  CHECK(log.handoffs.size() == 1);
  CHECK(log.has(frame_event_kind::connection_down));
  CHECK(log.other == 0);
}

TEST_CASE("a batch queued behind a handshake that fails: each item fails once, as not run",
          "[actors][connection][batch][fault]") {
  node n;
  test_dc::server srv{dc_options()};
  test_dc::fault_plan f;
  f.close_at_handshake = test_dc::handshake_step::req_dh_params;
  srv.set_faults(f);
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.timeouts.handshake = 400ms;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);

  constexpr uint64_t total = 20;
  batch_builder b;
  for (uint64_t i = 0; i < total; ++i) {
    auto item = item_of(70 + i, 2, custom_query(uint32_t(i)));
    b.add(std::move(item));
  }
  self->send(conn, invoke_atom::value, std::move(b.batch));

  reply_log replies;
  parent_log log;
  collect_until_down(self, conn, replies, log);
  check_once_each(replies, b.attempts);
  CHECK(replies.answered(b.ids) == total);
  for (auto& [id, list] : replies.by_id) {
    INFO("item " << id);
    auto& r = list.front();
    CHECK(r.attempt == 2);
    REQUIRE(r.err);
    INFO(to_string(r.err));
    CHECK((is(r.err, errc::handshake_failed) || is(r.err, errc::connection_lost)));
    auto* d = detail_of(r.err);
    REQUIRE(d);
    CHECK_FALSE(d->may_have_executed);  // it never left: safe to send anywhere
    CHECK(d->msg_id == 0);
  }
  CHECK(srv.counters().count(custom_query_id) == 0);
}

TEST_CASE("a request too big for one packet, in the middle of a batch, is refused alone",
          "[actors][connection][batch][limits]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  self->monitor(conn);
  // Taken at once by a ready connection, or queued until the session is up.
  bool ready_first = GENERATE(true, false);
  INFO((ready_first ? "sent to a ready connection" : "sent while connecting"));
  if (ready_first)
    REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);

  // Under the connection's byte cap, over the session's packet limit (1 MiB
  // of message data, as Telegram's).
  constexpr uint64_t total = 10, big_id = 5;
  batch_builder b;
  for (uint64_t id = 0; id < total; ++id) {
    auto item = item_of(id, 1, id == big_id ? byte_buffer(1u << 20, 0) : nearest_dc_query());
    b.add(std::move(item));
  }
  self->send(conn, invoke_atom::value, std::move(b.batch));
  reply_log replies;
  parent_log log;
  collect_replies(self, replies, log, b.ids);
  CHECK(replies.answered(b.ids) == total);
  for (auto& [id, list] : replies.by_id) {
    INFO("item " << id);
    auto& r = list.front();
    if (id == big_id) {
      REQUIRE(r.err);
      INFO(to_string(r.err));
      CHECK(is(r.err, errc::invalid_request));
      REQUIRE(detail_of(r.err));
      CHECK_FALSE(detail_of(r.err)->may_have_executed);
      CHECK_THAT(detail_of(r.err)->what, Catch::Contains("packet limit"));
    } else if (r.err) {
      FAIL_CHECK("answered with an error: " << to_string(r.err));
    } else {
      CHECK_FALSE(r.response.bytes.empty());
    }
  }
  // The connection lives on, and refuses such a request alone outside a
  // batch too.
  CHECK_FALSE(replies.down);
  auto big = invoke_one(self, conn, request_of(byte_buffer(1u << 20, 0)));
  REQUIRE(big.answers == 1);
  INFO(to_string(big.err));
  CHECK(is(big.err, errc::invalid_request));
  CHECK(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  self->send_exit(conn, caf::exit_reason::user_shutdown);
  collect_until_down(self, conn, replies, log);
  check_once_each(replies, b.attempts);
}
