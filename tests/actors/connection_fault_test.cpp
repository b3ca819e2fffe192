// The connection actor when things go wrong: wrong salt and clock, deadlines,
// a server that closes, stalls, sends garbage or transport errors, an
// unreachable DC, caps, shutdown with requests open. Every request must get
// exactly one answer, and a dying connection must hand its session over.
#include "connection_fixture.hpp"

#include <atomic>
#include <set>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace conn_test;

namespace {

constexpr uint32_t rpc_drop_answer_id = 0x58e4a740;

// A connection that did its handshake and was shut down: its session.
session_state make_session(node& n, test_dc::server& srv) {
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(o.value);
  stop(self, conn);
  parent_log log;
  drain(self, log);
  REQUIRE(log.handoffs.size() == 1);
  return log.handoffs[0];
}

void check_all_answered(const std::vector<outcome>& outs) {
  for (auto& o : outs)
    CHECK(o.answers == 1);
}

void check_all_ok(const std::vector<outcome>& outs) {
  for (auto& o : outs) {
    REQUIRE(o.answers == 1);
    if (o.err)
      FAIL("error: " << to_string(o.err));
    CHECK(o.value);
  }
}

// Sends `count` requests without waiting; the caller receives them later.
struct in_flight {
  caf::scoped_actor& self;
  std::vector<decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<connection_actor&>(), 20s, invoke_atom::value, rpc_request{}))>
    handles;

  in_flight(caf::scoped_actor& s, const connection_actor& conn, size_t count,
            uint32_t tag = 0, int64_t deadline_ms = 0)
    : self(s) {
    for (size_t i = 0; i < count; ++i)
      handles.push_back(self->request(conn, std::chrono::seconds(20), invoke_atom::value,
                                      request_of(custom_query(tag + uint32_t(i)), deadline_ms)));
  }

  std::vector<outcome> collect() {
    std::vector<outcome> out(handles.size());
    for (size_t i = 0; i < handles.size(); ++i) {
      auto& o = out[i];
      handles[i].receive([&](rpc_response& r) { ++o.answers; o.value = std::move(r); },
                         [&](caf::error& e) { ++o.answers; o.err = std::move(e); });
    }
    return out;
  }
};

} // namespace

TEST_CASE("bad_server_salt naming a container: everything inside is resent",
          "[actors][connection][salt]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  auto saved = make_session(n, srv);
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  saved.server_salt ^= 0x5a5a5a5a5a5a5a5a;  // a salt the server never issued
  cfg.session = saved;
  auto before = srv.counters();
  auto conn = spawn_connection(*n.sys, cfg);
  // Ten requests in one batch (the pool's path) are taken in one handler and
  // leave together, in the connection's first container, whether they
  // arrive before the connection is up or after.
  pooled_batch batch;
  auto body = std::make_shared<const byte_buffer>(nearest_dc_query());
  for (uint64_t id = 1; id <= 10; ++id) {
    pooled_item item;
    item.id = id;
    item.attempt = 1;
    item.req.body = body;
    batch.items.push_back(std::move(item));
  }
  self->send(conn, invoke_atom::value, std::move(batch));
  std::set<uint64_t> answered;
  bool timed_out = false;
  while (answered.size() < 10 && !timed_out) {
    self->receive(
      [&](pooled_replies& r) {
        for (auto& x : r.items) {
          CHECK(x.attempt == 1);
          if (x.err)
            FAIL("request " << x.id << ": " << to_string(x.err));
          CHECK_FALSE(x.response.bytes.empty());
          CHECK(answered.insert(x.id).second);  // one answer each
        }
      },
      caf::after(std::chrono::seconds(10)) >> [&] { timed_out = true; });
  }
  CHECK(answered.size() == 10);
  auto after = srv.counters();
  CHECK(after.bad_server_salts > before.bad_server_salts);
  connection_stats st;
  self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](connection_stats& s) { st = s; }, [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(st.salt_changes >= 1);
  CHECK(st.handshake_us == 0);  // the key was given
  CHECK(after.containers_received > before.containers_received);
  stop(self, conn);
  parent_log log;
  drain(self, log);
  CHECK(log.other == 0);
}

TEST_CASE("time skew is corrected from bad_msg_notification 16 and 17",
          "[actors][connection][time]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  auto saved = make_session(n, srv);
  for (int64_t skew_s : {-1000, 1000}) {
    DYNAMIC_SECTION("client clock off by " << skew_s << " s") {
      caf::scoped_actor self{*n.sys};
      auto cfg = make_config(srv, self);
      auto s = saved;
      s.time_offset_ns = skew_s * 1'000'000'000;
      s.time_synced = false;
      // A fresh session: the old one's last msg_id would keep ids above it.
      s.session_id = 0;
      s.last_msg_id = 0;
      cfg.session = s;
      auto before = srv.counters();
      auto conn = spawn_connection(*n.sys, cfg);
      std::vector<rpc_request> reqs(5, request_of(nearest_dc_query()));
      check_all_ok(invoke_all(self, conn, reqs));
      CHECK(srv.counters().bad_msg_notifications > before.bad_msg_notifications);
      connection_stats st;
      self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
        .receive([&](connection_stats& x) { st = x; },
                 [&](caf::error& e) { FAIL(to_string(e)); });
      CHECK(st.time_corrections >= 1);
      // Once corrected, later requests pass at once.
      auto mid = srv.counters().bad_msg_notifications;
      check_all_ok(invoke_all(self, conn, reqs));
      CHECK(srv.counters().bad_msg_notifications == mid);
      stop(self, conn);
    }
  }
}

TEST_CASE("a request past its deadline fails alone and the connection survives",
          "[actors][connection][deadline]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  self->monitor(conn);
  auto t0 = std::chrono::steady_clock::now();
  auto o = invoke_one(self, conn, request_of(custom_query(1), 300));
  auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(o.answers == 1);
  REQUIRE(o.err);
  CHECK(is(o.err, errc::deadline_exceeded));
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->may_have_executed);
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  // The server was told to drop the answer.
  CHECK(eventually([&] { return srv.counters().count(rpc_drop_answer_id) == 1; }));
  // Same connection, still fine.
  auto ok = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(ok.answers == 1);
  CHECK(ok.value);
  // Several deadlines at once, mixed with answered requests.
  in_flight slow{self, conn, 20, 100, 200};
  std::vector<rpc_request> fast(20, request_of(nearest_dc_query()));
  check_all_ok(invoke_all(self, conn, fast));
  for (auto& s : slow.collect()) {
    REQUIRE(s.answers == 1);
    CHECK(is(s.err, errc::deadline_exceeded));
  }
  stop(self, conn);
  parent_log log;
  drain(self, log);
  CHECK(log.other == 1);  // just the down_msg
}

TEST_CASE("the server closing mid-request fails open requests as maybe executed",
          "[actors][connection][fault]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto conn = spawn_connection(*n.sys, make_config(srv, self));
  self->monitor(conn);
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  in_flight open{self, conn, 8};
  REQUIRE(eventually([&] { return srv.counters().count(custom_query_id) == 8; }));
  srv.close_connections();
  auto outs = open.collect();
  for (auto& o : outs) {
    REQUIRE(o.answers == 1);
    CHECK(is(o.err, errc::connection_lost));
    REQUIRE(detail_of(o.err));
    CHECK(detail_of(o.err)->may_have_executed);
  }
  parent_log log;
  auto reason = wait_down(self, conn, log);
  CHECK(is(reason, errc::connection_lost));
  drain(self, log);
  REQUIRE(log.handoffs.size() == 1);
  CHECK(log.handoffs[0].session_id != 0);
  CHECK(log.has(frame_event_kind::connection_down));
}

TEST_CASE("garbage and corrupted frames end the connection with every request answered",
          "[actors][connection][fault]") {
  for (auto bad : {test_dc::bad_frame::garbage, test_dc::bad_frame::corrupted,
                   test_dc::bad_frame::oversized, test_dc::bad_frame::truncated}) {
    DYNAMIC_SECTION("bad answer: " << test_dc::to_string(bad)) {
      node n;
      test_dc::server srv{dc_options()};
      srv.start();
      caf::scoped_actor self{*n.sys};
      auto conn = spawn_connection(*n.sys, make_config(srv, self));
      self->monitor(conn);
      REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
      test_dc::fault_plan f;
      f.bad_answer = bad;
      f.bad_answer_times = 1;
      srv.set_faults(f);
      std::vector<rpc_request> reqs(3, request_of(nearest_dc_query()));
      auto outs = invoke_all(self, conn, reqs);
      check_all_answered(outs);
      size_t failed = 0;
      for (auto& o : outs)
        if (o.err) {
          ++failed;
          INFO(to_string(o.err));
          CHECK(is(o.err, errc::connection_lost));
        }
      CHECK(failed >= 1);
      parent_log log;
      auto reason = wait_down(self, conn, log);
      if (bad == test_dc::bad_frame::truncated)
        CHECK((is(reason, errc::connection_lost) || is(reason, errc::malformed_reply)));
      else
        CHECK(is(reason, errc::malformed_reply));
      drain(self, log);
      CHECK(log.handoffs.size() == 1);
    }
  }
}

TEST_CASE("transport errors: -404 reports the key unknown, -429 asks to back off",
          "[actors][connection][fault]") {
  for (int32_t code : {-404, -429}) {
    DYNAMIC_SECTION("transport error " << code) {
      node n;
      test_dc::server srv{dc_options()};
      srv.start();
      caf::scoped_actor self{*n.sys};
      auto conn = spawn_connection(*n.sys, make_config(srv, self));
      self->monitor(conn);
      REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
      test_dc::fault_plan f;
      f.transport_error = code;
      f.transport_error_times = 1;
      srv.set_faults(f);
      auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
      REQUIRE(o.answers == 1);
      REQUIRE(o.err);
      CHECK(is(o.err, errc::transport_error));
      REQUIRE(detail_of(o.err));
      CHECK(detail_of(o.err)->transport_code == code);
      parent_log log;
      auto reason = wait_down(self, conn, log);
      CHECK(is(reason, errc::transport_error));
      REQUIRE(detail_of(reason));
      CHECK(detail_of(reason)->transport_code == code);
      drain(self, log);
      CHECK(log.has(frame_event_kind::auth_key_unknown) == (code == -404));
    }
  }
}

TEST_CASE("a stalled server is detected by the keepalive", "[actors][connection][keepalive]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.timeouts.ping_interval = 100ms;
  cfg.timeouts.dead_after = 500ms;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  REQUIRE(invoke_one(self, conn, request_of(nearest_dc_query())).value);
  // Pings keep an idle connection alive well past dead_after.
  std::this_thread::sleep_for(800ms);
  auto ok = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(ok.value);
  connection_stats st;
  self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](connection_stats& s) { st = s; }, [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(st.rtt_us >= 0);
  CHECK(srv.counters().count(0xf3427b8c) >= 3);  // ping_delay_disconnect

  test_dc::fault_plan f;
  f.stall = true;
  srv.set_faults(f);
  auto t0 = std::chrono::steady_clock::now();
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(o.answers == 1);
  CHECK(is(o.err, errc::connection_lost));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  parent_log log;
  auto reason = wait_down(self, conn, log);
  CHECK(is(reason, errc::connection_lost));
  REQUIRE(detail_of(reason));
  CHECK(detail_of(reason)->what.find("keepalive") != std::string::npos);
}

TEST_CASE("a handshake that stalls or is cut hits its deadline",
          "[actors][connection][handshake]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  SECTION("stall") {
    test_dc::fault_plan f;
    f.stall = true;
    f.stall_after_frames = 1;
    srv.set_faults(f);
  }
  SECTION("closed at req_DH_params") {
    test_dc::fault_plan f;
    f.close_at_handshake = test_dc::handshake_step::req_dh_params;
    srv.set_faults(f);
  }
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.timeouts.handshake = 400ms;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  std::vector<rpc_request> reqs(3, request_of(nearest_dc_query()));
  auto outs = invoke_all(self, conn, reqs);
  for (auto& o : outs) {
    REQUIRE(o.answers == 1);
    REQUIRE(o.err);
    CHECK((is(o.err, errc::handshake_failed) || is(o.err, errc::connection_lost)));
    REQUIRE(detail_of(o.err));
    CHECK_FALSE(detail_of(o.err)->may_have_executed);
  }
  parent_log log;
  wait_down(self, conn, log);
  drain(self, log);
  CHECK_FALSE(log.has(frame_event_kind::auth_key_created));
  CHECK(log.handoffs.empty());  // no key, nothing to hand over
}

TEST_CASE("an unknown RSA key fails the handshake", "[actors][connection][handshake]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.rsa_keys = {crypto::rsa_private_key::generate().public_key()};
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(o.answers == 1);
  CHECK(is(o.err, errc::handshake_failed));
  parent_log log;
  auto reason = wait_down(self, conn, log);
  CHECK(is(reason, errc::handshake_failed));
  REQUIRE(detail_of(reason));
  CHECK(detail_of(reason)->what.find("fingerprint") != std::string::npos);
}

namespace {

// A listening socket whose accept queue is full: further connects to it
// hang in SYN_SENT (Linux drops SYNs for a full queue) until they time out.
struct blackhole {
  int listener = -1;
  std::vector<int> fillers;
  uint16_t port = 0;

  blackhole() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    socklen_t len = sizeof(a);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    // Connect until one connect does not complete: the queue is then full.
    for (int i = 0; i < 16; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      fillers.push_back(fd);
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 200) == 0)
        return;
    }
    FAIL("could not fill the accept queue");
  }
  ~blackhole() {
    for (int fd : fillers)
      ::close(fd);
    ::close(listener);
  }
};

} // namespace

TEST_CASE("an unreachable DC does not hold up another one", "[actors][connection][connect]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.start();
  blackhole hole;
  caf::scoped_actor self{*n.sys};
  auto bad_cfg = make_config(srv, self);
  bad_cfg.port = hole.port;
  bad_cfg.dc_id = 4;
  bad_cfg.timeouts.connect = 1500ms;
  auto t0 = std::chrono::steady_clock::now();
  auto bad = spawn_connection(*n.sys, bad_cfg);
  self->monitor(bad);
  in_flight waiting{self, bad, 3};

  // Meanwhile another DC connects, handshakes and answers many times over.
  auto good = spawn_connection(*n.sys, make_config(srv, self));
  for (int i = 0; i < 20; ++i)
    REQUIRE(invoke_one(self, good, request_of(nearest_dc_query())).value);
  auto good_done = std::chrono::steady_clock::now() - t0;
  CHECK(good_done < 1500ms);

  auto outs = waiting.collect();
  auto bad_done = std::chrono::steady_clock::now() - t0;
  for (auto& o : outs) {
    REQUIRE(o.answers == 1);
    CHECK(is(o.err, errc::connection_failed));
    REQUIRE(detail_of(o.err));
    CHECK_FALSE(detail_of(o.err)->may_have_executed);
    CHECK(detail_of(o.err)->dc_id == 4);
  }
  CHECK(bad_done >= 1400ms);
  parent_log log;
  auto reason = wait_down(self, bad, log);
  CHECK(is(reason, errc::connection_failed));
  REQUIRE(detail_of(reason));
  CHECK(detail_of(reason)->what.find("timed out") != std::string::npos);
  stop(self, good);
}

TEST_CASE("a refused connect fails at once", "[actors][connection][connect]") {
  node n;
  caf::scoped_actor self{*n.sys};
  // A port nobody listens on: bind, learn the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  connection_config cfg;
  cfg.dc_id = 1;
  cfg.host = "127.0.0.1";
  cfg.port = ntohs(a.sin_port);
  cfg.parent = self;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  auto o = invoke_one(self, conn, request_of(nearest_dc_query()));
  REQUIRE(o.answers == 1);
  INFO(to_string(o.err));
  CHECK(is(o.err, errc::connection_failed));
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->what.find("refused") != std::string::npos);
  parent_log log;
  wait_down(self, conn, log);
}

TEST_CASE("caps on requests and bytes answer overloaded at once", "[actors][connection][limits]") {
  node n;
  test_dc::server srv{dc_options()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  cfg.limits.max_requests = 4;
  cfg.limits.max_bytes_in_flight = 1024;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  in_flight open{self, conn, 6};
  // A body past the byte cap is refused too.
  auto big = invoke_one(self, conn, request_of(byte_buffer(2048, 0)));
  REQUIRE(big.answers == 1);
  CHECK(is(big.err, errc::overloaded));
  REQUIRE(eventually([&] { return srv.counters().count(custom_query_id) == 4; }));
  // Shutting down answers the open ones.
  self->send_exit(conn, caf::exit_reason::user_shutdown);
  auto outs = open.collect();
  size_t overloaded = 0, dropped = 0;
  for (auto& o : outs) {
    REQUIRE(o.answers == 1);
    REQUIRE(o.err);
    if (is(o.err, errc::overloaded))
      ++overloaded;
    if (is(o.err, errc::dropped)) {
      ++dropped;
      REQUIRE(detail_of(o.err));
      CHECK(detail_of(o.err)->may_have_executed);
    }
  }
  CHECK(overloaded == 2);
  CHECK(dropped == 4);
  parent_log log;
  auto reason = wait_down(self, conn, log);
  CHECK(reason == caf::exit_reason::user_shutdown);
  drain(self, log);
  CHECK(log.handoffs.size() == 1);
  CHECK(log.has(frame_event_kind::connection_down));
}

TEST_CASE("shutting down while connecting answers queued requests",
          "[actors][connection][shutdown]") {
  node n;
  blackhole hole;
  caf::scoped_actor self{*n.sys};
  connection_config cfg;
  cfg.dc_id = 5;
  cfg.host = "127.0.0.1";
  cfg.port = hole.port;
  cfg.parent = self;
  cfg.timeouts.connect = 1s;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  in_flight queued{self, conn, 5};
  std::this_thread::sleep_for(100ms);
  self->send_exit(conn, caf::exit_reason::user_shutdown);
  for (auto& o : queued.collect()) {
    REQUIRE(o.answers == 1);
    CHECK(is(o.err, errc::dropped));
    REQUIRE(detail_of(o.err));
    CHECK_FALSE(detail_of(o.err)->may_have_executed);
  }
  parent_log log;
  wait_down(self, conn, log);
}

TEST_CASE("a request queued while connecting can expire alone", "[actors][connection][deadline]") {
  node n;
  blackhole hole;
  caf::scoped_actor self{*n.sys};
  connection_config cfg;
  cfg.dc_id = 6;
  cfg.host = "127.0.0.1";
  cfg.port = hole.port;
  cfg.parent = self;
  cfg.timeouts.connect = 2s;
  auto conn = spawn_connection(*n.sys, cfg);
  self->monitor(conn);
  in_flight longer{self, conn, 2, 0, 5000};
  auto t0 = std::chrono::steady_clock::now();
  auto o = invoke_one(self, conn, request_of(nearest_dc_query(), 200));
  REQUIRE(o.answers == 1);
  CHECK(is(o.err, errc::deadline_exceeded));
  REQUIRE(detail_of(o.err));
  CHECK_FALSE(detail_of(o.err)->may_have_executed);
  CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
  // The others wait on and fail with the connect.
  for (auto& r : longer.collect()) {
    REQUIRE(r.answers == 1);
    CHECK(is(r.err, errc::connection_failed));
  }
  parent_log log;
  wait_down(self, conn, log);
}
