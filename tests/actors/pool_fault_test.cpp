// The pool when things break: a connection killed mid-request (every
// request answered exactly once, nothing run twice unless safe_to_repeat),
// reconnect_request, the server forgetting the auth key (-404 -> new key),
// shutdown with requests pending, a connection dropped with a batch half
// answered (and a lingering one met by new requests), and a request too big
// for one packet.
#include "pool_fixture.hpp"

using namespace pool_test;

TEST_CASE("a connection killed mid-request: each request answered once, none run twice",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  run_counts runs;  // tag -> times the server ran it
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    auto tag = tag_of(call);
    runs.note(tag);
    return test_dc::rpc_reply::result(bool_true()).after(400ms);
  });
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);

  // 20 requests: even tags may run twice (reads), odd ones must not.
  constexpr uint32_t total = 20;
  pending_invokes invokes{self, pool};
  for (uint32_t tag = 0; tag < total; ++tag)
    invokes.send(2, request_of(custom_query(tag), 15'000, tag % 2 == 0));
  // Let them reach the server, then kill the connection under them.
  REQUIRE(server_got(srv, 2, custom_query_id, total));
  srv.close_connections(2);
  auto out = invokes.collect();
  int repeated_ok = 0, lost = 0;
  for (uint32_t tag = 0; tag < total; ++tag) {
    INFO("tag " << tag);
    auto& o = out[tag];
    CHECK(o.answers == 1);
    if (tag % 2 == 0) {
      // safe_to_repeat: sent again on the new connection, answered.
      CHECK(o.value);
      if (!o.value)
        WARN("safe request failed: " << n.sys->render(o.err));
      repeated_ok += o.value.has_value();
    } else {
      // May have run: not repeated; the caller is told so.
      CHECK(runs.of(tag) == 1);
      if (!o.value) {
        CHECK(is(o.err, errc::connection_lost));
        REQUIRE(detail_of(o.err));
        CHECK(detail_of(o.err)->may_have_executed);
        ++lost;
      }
    }
  }
  CHECK(repeated_ok == total / 2);
  CHECK(lost == total / 2);
  CHECK(stray_messages(self) == 0);  // no second answer anywhere

  // Service restored, on the same MTProto session (no new one on the server).
  auto again = invoke_one(self, pool, 2, request_of(nearest_dc_query()));
  CHECK(this_dc_of(again) == 2);
  if (!again.value)
    WARN("after restore: " << n.sys->render(again.err));
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects >= 1);
  CHECK(st.dc(2)->resent >= total / 2);
  CHECK(st.dc(2)->reconnect_causes.count("connection_lost") == 1);
  CHECK(srv.counters(2).new_sessions == 1);
  CHECK(perm_keys_made(srv.counters(2)) == 1);
  CHECK(srv.counters(2).temp_keys_made == 1);  // the bound temporary session continued
  stop(self, pool);
}

TEST_CASE("after a lost connection the pool asks the server which requests it got",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  run_counts runs;  // tag -> times the server ran it
  constexpr uint32_t lost_tag = 99;
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    auto tag = tag_of(call);
    runs.note(tag);
    auto reply = test_dc::rpc_reply::result(bool_true());
    return tag == lost_tag ? reply : std::move(reply).after(1500ms);
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);

  // Four requests the server gets and runs slowly (none safe to repeat)...
  constexpr uint32_t received = 4;
  pending_invokes invokes{self, pool};
  for (uint32_t tag = 0; tag < received; ++tag)
    invokes.send(2, request_of(custom_query(tag), 15'000));
  REQUIRE(server_got(srv, 2, custom_query_id, received));
  // ...then one whose packet the server loses as the connection dies.
  test_dc::fault_plan f;
  f.lose_query = custom_query_id;
  f.lose_query_times = 1;
  srv.set_faults(f, 2);
  invokes.send(2, request_of(custom_query(lost_tag), 15'000));
  auto out = invokes.collect();
  // The lost one never reached the server: sent again, answered, run once.
  auto& lost = out.back();
  REQUIRE(lost.answers == 1);
  if (lost.err)
    FAIL("the request the server never got was not resent: " << n.sys->render(lost.err));
  CHECK(lost.value->bytes == bool_true());
  // The others did reach it: never run twice; each either gets its answer
  // (if it arrives first) or fails as may-have-run, after the server said
  // it received them.
  for (uint32_t tag = 0; tag < received; ++tag) {
    INFO("tag " << tag);
    auto& o = out[tag];
    CHECK(o.answers == 1);
    if (o.err) {
      CHECK(is(o.err, errc::connection_lost));
      REQUIRE(detail_of(o.err));
      CHECK(detail_of(o.err)->may_have_executed);
      CHECK_THAT(detail_of(o.err)->what, Catch::Contains("msgs_state_info: received"));
    }
  }
  std::this_thread::sleep_for(300ms);  // a stray second run would have started by now
  for (uint32_t tag = 0; tag < received; ++tag)
    CHECK(runs.of(tag) == 1);
  CHECK(runs.of(lost_tag) == 1);
  CHECK(stray_messages(self) == 0);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->lost_checked == received + 1);
  CHECK(st.dc(2)->reconnect_causes.count("connection_lost") == 1);
  CHECK(srv.counters(2).packets_lost == 1);
  CHECK(srv.counters(2).new_sessions == 1);  // the same session all along
  CHECK(perm_keys_made(srv.counters(2)) == 1);
  CHECK(srv.counters(2).temp_keys_made == 1);
  stop(self, pool);
}

TEST_CASE("a lost request whose connection never comes back fails at its deadline as may-have-run",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::result(bool_true()).after(10s);
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  pending_invokes invokes{self, pool};
  invokes.send(2, request_of(custom_query(1), 1500));
  REQUIRE(server_got(srv, 2, custom_query_id, 1));
  // Connections closed and the port refuses: nothing can ask the server.
  srv.stop();
  auto out = invokes.collect();
  REQUIRE(out[0].answers == 1);
  REQUIRE(out[0].err);
  CHECK(is(out[0].err, errc::deadline_exceeded));
  REQUIRE(detail_of(out[0].err));
  CHECK(detail_of(out[0].err)->may_have_executed);
  CHECK_THAT(detail_of(out[0].err)->what, Catch::Contains("did not come back in time"));
  CHECK(out[0].took < 5s);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->lost_checked == 1);
  CHECK(st.dc(2)->live_slots == 0);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("reconnect_request replaces connections and answers once they are ready",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto quiet = pool_config_for(srv, 2);
  quiet.learn_dcs = false;   // exact counts: no help.getConfig of the pool's own
  auto pool = spawn_dc_pool(*n.sys, quiet);
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  REQUIRE(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  auto before = srv.counters();
  const auto before2 = srv.counters(2).connections_accepted;

  auto reconnect = [&](int32_t dc) {
    caf::error err;
    bool ok = false;
    self->request(pool, 20s, reconnect_request{dc, 5000})
      .receive([&](caf::ok_atom) { ok = true; }, [&](caf::error& e) { err = std::move(e); });
    return std::make_pair(ok, err);
  };
  // A connection with a key is ready as soon as TCP connects, before the
  // server's loop has counted it: one RPC on each DC settles the counters.
  auto [ok2, err2] = reconnect(2);
  CHECK(ok2);
  CHECK(!err2);
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(srv.counters(2).connections_accepted == before2 + 1);
  auto [ok_all, err_all] = reconnect(0);
  CHECK(ok_all);
  CHECK(!err_all);
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  auto [ok99, err99] = reconnect(99);
  CHECK_FALSE(ok99);
  CHECK(is(err99, errc::unknown_dc));

  auto after = srv.counters();
  CHECK(after.connections_accepted == before.connections_accepted + 3);  // 2, then 2 and 4
  CHECK(after.handshakes_started == before.handshakes_started);          // keys kept
  CHECK(after.new_sessions == before.new_sessions);                      // sessions continued
  CHECK(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects == 2);
  CHECK(st.dc(2)->reconnect_causes.at("replaced") == 2);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("unknown auth key (-404): the pool drops the key, makes a new one and carries on",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto store = std::make_shared<store::memory_session_store>();
  auto cfg = pool_config_for(srv, 2);
  cfg.store = store;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::auth_key_created) == 1;
  }));
  for (int i = 0; i < 250 && !store->load().key(2); ++i)  // saved on the writer's thread
    std::this_thread::sleep_for(20ms);
  REQUIRE(store->load().key(2));
  const auto first_key = store->load().key(2)->auth_key;

  srv.forget_auth_keys(2);  // also closes the connection, like a restarted server
  // Safe to repeat: the pool may not have seen the close yet and send it on
  // the closed connection, after which (not a transport error) it may have
  // run and only a safe request is sent again (pool_once_test covers that).
  auto o = invoke_one(self, pool, 2, request_of(nearest_dc_query(), 0, true));
  INFO("error: " << n.sys->render(o.err) << " / "
                 << (detail_of(o.err) ? detail_of(o.err)->what : std::string("no detail")));
  CHECK(this_dc_of(o) == 2);
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::auth_key_created) == 2;
  }));
  CHECK(count_kind(log, frame_event_kind::auth_key_unknown) >= 1);
  CHECK(perm_keys_made(srv.counters(2)) == 2);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->auth_keys_dropped == 1);
  CHECK(st.dc(2)->auth_keys_created == 2);
  // The store writer saves on its own thread, after the event went out.
  for (int i = 0; i < 250 && !(store->load().key(2) && store->load().key(2)->auth_key != first_key);
       ++i)
    std::this_thread::sleep_for(20ms);
  REQUIRE(store->load().key(2));
  CHECK(store->load().key(2)->auth_key != first_key);
  CHECK(store->load().key(2)->auth_key.size() == 256);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

TEST_CASE("shutdown answers pending requests with dropped and ends cleanly",
          "[actors][pool][fault]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 3));
  caf::scoped_actor self{*n.sys};
  using handle_t = decltype(self->request(pool, 30s, invoke_atom::value, int32_t{2},
                                          request_of(custom_query(0))));
  std::vector<handle_t> handles;
  for (uint32_t i = 0; i < 10; ++i)
    handles.push_back(self->request(pool, 30s, invoke_atom::value, i % 2 ? 2 : 4,
                                    request_of(custom_query(i))));
  auto until = std::chrono::steady_clock::now() + 5s;
  while (srv.counters().count(custom_query_id) < 10 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  CHECK(srv.counters().count(custom_query_id) == 10);
  auto t0 = std::chrono::steady_clock::now();
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  // A request that arrives while the pool shuts down is refused at once.
  caf::error late;
  self->request(pool, 5s, invoke_atom::value, int32_t{2}, request_of(custom_query(1)))
    .receive([](rpc_response&) {}, [&](caf::error& e) { late = std::move(e); });
  CHECK(is(late, errc::dropped));
  int dropped = 0;
  for (auto& h : handles)
    h.receive([](rpc_response&) {}, [&](caf::error& e) {
      if (is(e, errc::dropped) && detail_of(e) && detail_of(e)->may_have_executed)
        ++dropped;
    });
  CHECK(dropped == 10);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  self->wait_for(pool);
  // Every connection closes: the server sees none left open.
  until = std::chrono::steady_clock::now() + 5s;
  while (srv.counters().connections_open > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  CHECK(srv.counters().connections_open == 0);
  // Once the pool is gone only the caller's own timeout answers: CAF 0.17
  // drops requests to a broker that has quit (hence the pool's linger).
  caf::error gone;
  self->request(pool, 500ms, invoke_atom::value, int32_t{2}, request_of(custom_query(1)))
    .receive([](rpc_response&) {}, [&](caf::error& e) { gone = std::move(e); });
  CHECK(gone == caf::sec::request_timeout);
  // ~actor_system returns (ctest's timeout would catch a hang).
}

TEST_CASE("a connection dropped with a batch half answered: each caller answered once",
          "[actors][pool][fault][batch]") {
  node n;
  test_dc::server srv{two_dcs()};
  run_counts runs;  // tag -> times the server ran it
  // Tags below 100: a multiple of 3 is answered at once, the others held
  // (no answer) the first time they run and answered when run again (a
  // safe_to_repeat request resent). Tags from 100: answered at once.
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    auto tag = tag_of(call);
    const int run = runs.note(tag);
    if (tag >= 100 || tag % 3 == 0 || run > 1)
      return test_dc::rpc_reply::result(bool_true());
    return test_dc::rpc_reply::no_answer();
  });
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  // A dead connection lingers, refusing what still reaches it, long enough
  // for the late requests below to surely meet it.
  cfg.timeouts.linger = 3s;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto listener = listen_here(self, pool);
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);

  // 20 requests in flight on the one connection (the pool sends what it
  // routes in one pass as one batch); even tags are safe to repeat.
  constexpr uint32_t total = 20;
  pending_invokes answered{self, pool}, held{self, pool};
  std::vector<uint32_t> answered_tags, held_tags;
  for (uint32_t tag = 0; tag < total; ++tag) {
    auto req = request_of(custom_query(tag), 15'000, tag % 2 == 0);
    if (tag % 3 == 0) {
      answered.send(2, std::move(req));
      answered_tags.push_back(tag);
    } else {
      held.send(2, std::move(req));
      held_tags.push_back(tag);
    }
  }
  // Part of the batch is answered before the fault...
  for (auto& o : answered.collect()) {
    CHECK(o.answers == 1);
    if (!o.value)
      FAIL_CHECK("answered before the fault, with an error: " << n.sys->render(o.err));
  }
  // ...the rest reached the server, which then drops the connection.
  REQUIRE(server_got(srv, 2, custom_query_id, total));
  srv.close_connections(2);
  auto out = held.collect();
  int resent_ok = 0, lost = 0;
  for (size_t i = 0; i < held_tags.size(); ++i) {
    auto tag = held_tags[i];
    INFO("tag " << tag);
    auto& o = out[i];
    CHECK(o.answers == 1);
    if (tag % 2 == 0) {
      // safe_to_repeat: sent again on the next connection, answered there.
      if (!o.value)
        FAIL_CHECK("a safe request failed: " << n.sys->render(o.err));
      CHECK(runs.of(tag) == 2);
      resent_ok += o.value.has_value();
    } else {
      // Not safe and the server got it: never run twice, the caller told
      // it may have run.
      CHECK(runs.of(tag) == 1);
      REQUIRE(o.err);
      INFO(n.sys->render(o.err));
      CHECK(is(o.err, errc::connection_lost));
      REQUIRE(detail_of(o.err));
      CHECK(detail_of(o.err)->may_have_executed);
      ++lost;
    }
  }
  CHECK(resent_ok == 6);  // held even tags: 2 4 8 10 14 16
  CHECK(lost == 7);       // held odd tags: 1 5 7 11 13 17 19

  // The connection that replaced it faults idle. The pool learns that it
  // ended from its down message, after the linger; until then it still
  // routes to it: requests sent once the connection has faulted (its
  // connection_down event) reach it lingering, which refuses them unsent,
  // and the pool must send them again, though none is safe to repeat.
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  std::vector<frame_event> events;
  auto downs = [&](const std::vector<frame_event>& log) {
    return count_kind(log, frame_event_kind::connection_down);
  };
  collect_until(self, events, [&](auto& log) { return downs(log) >= 1; });  // the first fault's
  const size_t downs_before = downs(events);
  srv.close_connections(2);
  REQUIRE(collect_until(self, events, [&](auto& log) { return downs(log) > downs_before; }));
  constexpr uint32_t late = 10;
  pending_invokes after{self, pool};
  for (uint32_t i = 0; i < late; ++i)
    after.send(2, request_of(custom_query(100 + i), 15'000));
  for (auto& o : after.collect()) {
    CHECK(o.answers == 1);
    if (!o.value)
      FAIL_CHECK("a request refused by the lingering connection failed: "
                 << n.sys->render(o.err));
  }
  for (uint32_t tag : answered_tags)
    CHECK(runs.of(tag) == 1);  // answered once, never resent
  for (uint32_t i = 0; i < late; ++i)
    CHECK(runs.of(100 + i) == 1);
  // No second answer to anyone (the listener's events aside).
  int stray = 0;
  for (bool more = true; more;)
    self->receive([](frame_event&) {}, [&](caf::message&) { ++stray; },
                  caf::after(100ms) >> [&] { more = false; });
  CHECK(stray == 0);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, pool);
}

TEST_CASE("a request too big for one packet fails alone: the pool's connection lives on",
          "[actors][pool][fault][batch]") {
  node n;
  test_dc::server srv{two_dcs()};
  run_counts runs;  // tag -> times the server ran it
  srv.on(custom_query_id, [&](const test_dc::rpc_call& call) {
    runs.note(tag_of(call));
    return test_dc::rpc_reply::result(bool_true()).after(200ms);
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);

  // Ten requests on the one connection, with one over the session's packet
  // limit (1 MiB of message data) among them.
  constexpr uint32_t total = 10, big = 5;
  pending_invokes invokes{self, pool};
  for (uint32_t tag = 0; tag < total; ++tag)
    invokes.send(2, tag == big ? request_of(byte_buffer(1u << 20, 0), 15'000)
                               : request_of(custom_query(tag), 15'000));
  auto out = invokes.collect();
  for (uint32_t tag = 0; tag < total; ++tag) {
    INFO("tag " << tag);
    auto& o = out[tag];
    CHECK(o.answers == 1);
    if (tag == big) {
      REQUIRE(o.err);
      INFO(n.sys->render(o.err));
      CHECK(is(o.err, errc::invalid_request));
      REQUIRE(detail_of(o.err));
      CHECK_FALSE(detail_of(o.err)->may_have_executed);
    } else if (!o.value) {
      FAIL_CHECK("failed beside the big one: " << n.sys->render(o.err));
    }
  }
  for (uint32_t tag = 0; tag < total; ++tag)
    if (tag != big)
      CHECK(runs.of(tag) == 1);
  CHECK(stray_messages(self) == 0);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects == 0);  // the big request never took a connection down
  stop(self, pool);
}
