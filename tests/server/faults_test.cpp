// Fault injection, ping_delay_disconnect, two DCs in one process, restarts.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

void wait_until(const std::function<bool()>& cond) {
  for (int i = 0; i < 200 && !cond(); ++i)
    std::this_thread::sleep_for(10ms);
}

} // namespace

TEST_CASE("fault: close after N frames", "[server][faults]") {
  running_server rs;
  fault_plan f;
  f.close_after_frames = 4;   // 3 handshake frames + 1 encrypted
  rs.srv.set_faults(f);
  test_client c = rs.connect();
  c.handshake(rs.srv.public_key());
  c.send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(c.expect(tl::pong::id));   // the answer to frame 4 still goes out
  CHECK(c.wait_closed());
  CHECK(rs.srv.counters().faults_injected == 1);
}

TEST_CASE("fault: close at each handshake step", "[server][faults]") {
  for (auto step : {handshake_step::req_pq, handshake_step::req_dh_params,
                    handshake_step::set_client_dh_params}) {
    running_server rs;
    fault_plan f;
    f.close_at_handshake = step;
    rs.srv.set_faults(f);
    test_client c = rs.connect();
    CHECK_THROWS_WITH(c.handshake(rs.srv.public_key()),
                      Catch::Contains("closed the connection during the handshake"));
    CHECK(rs.srv.counters().handshakes_completed == 0);
    rs.srv.clear_faults();
    test_client c2 = rs.connect();
    CHECK_NOTHROW(c2.handshake(rs.srv.public_key()));
  }
}

TEST_CASE("fault: transport errors -429 and -404, with a budget", "[server][faults]") {
  running_server rs;
  auto c = session_client(rs);
  const auto key = c->auth_key();
  const auto salt = c->salt();
  fault_plan f;
  f.transport_error = -429;
  f.transport_error_times = 2;
  rs.srv.set_faults(f);
  for (int i = 0; i < 2; ++i) {
    test_client t = rs.connect();
    t.use_key(key, salt, 99 + i);
    t.send(tl::serialize(tl::ping{1}));
    auto fr = t.read_frame();
    REQUIRE(fr);
    CHECK(fr->type == codec::frame::kind::transport_error);
    CHECK(fr->error_code == -429);
    CHECK(t.wait_closed());
  }
  test_client ok = rs.connect();
  ok.use_key(key, salt, 200);
  ok.send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(ok.expect(tl::pong::id));
  CHECK(rs.srv.counters().transport_errors_sent == 2);
}

TEST_CASE("fault: bad answer frames", "[server][faults]") {
  running_server rs;
  SECTION("corrupted: the client's msg_key check fails") {
    auto c = session_client(rs);
    fault_plan f;
    f.bad_answer = bad_frame::corrupted;
    f.bad_answer_times = 1;
    rs.srv.set_faults(f);
    c->send(tl::serialize(tl::ping{1}));
    CHECK_THROWS_AS(c->read_packet(), transport_error);
    // Budget spent: the next answer is good.
    c->send(tl::serialize(tl::ping{2}));
    CHECK_NOTHROW(c->expect(tl::pong::id));
  }
  SECTION("truncated: half a frame, then EOF") {
    auto c = session_client(rs);
    fault_plan f;
    f.bad_answer = bad_frame::truncated;
    rs.srv.set_faults(f);
    c->send(tl::serialize(tl::ping{1}));
    CHECK_FALSE(c->read_frame().has_value());
  }
  SECTION("oversized: a frame above the limit") {
    auto c = session_client(rs);
    fault_plan f;
    f.bad_answer = bad_frame::oversized;
    rs.srv.set_faults(f);
    c->send(tl::serialize(tl::ping{1}));
    CHECK_THROWS_AS(c->read_frame(), codec::frame_error);
  }
  SECTION("garbage") {
    auto c = session_client(rs);
    fault_plan f;
    f.bad_answer = bad_frame::garbage;
    rs.srv.set_faults(f);
    c->send(tl::serialize(tl::ping{1}));
    bool failed = false;
    try {
      c->read_packet(2s);
    } catch (const std::exception&) {
      failed = true;   // a frame error, a failed decryption or EOF
    }
    CHECK(failed);
  }
}

TEST_CASE("fault: stall stops reading and answering", "[server][faults]") {
  running_server rs;
  auto c = session_client(rs);
  fault_plan f;
  f.stall = true;
  rs.srv.set_faults(f);
  c->send(tl::serialize(tl::ping{1}));
  CHECK(c->silent_for(300ms));
  const auto seen = rs.srv.counters().frames_received;
  rs.srv.clear_faults();
  // Reading resumes: the ping sent during the stall is answered now.
  CHECK_NOTHROW(c->expect(tl::pong::id));
  CHECK(rs.srv.counters().frames_received == seen + 1);
}

TEST_CASE("ping_delay_disconnect closes the connection when no ping follows", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  c->send(tl::serialize(tl::ping_delay_disconnect{1, 2}));
  c->expect(tl::pong::id);
  // Another one resets the timer: 1 s + 1 s passes the first deadline.
  std::this_thread::sleep_for(1000ms);
  c->send(tl::serialize(tl::ping_delay_disconnect{2, 2}));
  const auto t0 = std::chrono::steady_clock::now();
  c->expect(tl::pong::id);
  std::this_thread::sleep_for(1000ms);
  CHECK(rs.srv.counters().ping_disconnects == 0);
  CHECK(c->wait_closed(5s));
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(waited >= 1500ms);
  CHECK(rs.srv.counters().ping_disconnects == 1);
}

TEST_CASE("two DCs in one process: own ports, own keys, one RSA key", "[server][dcs]") {
  running_server rs{default_options({dc_endpoint{2, "127.0.0.1", 0},
                                     dc_endpoint{4, "127.0.0.1", 0}})};
  CHECK(rs.srv.port(2) != rs.srv.port(4));
  CHECK(rs.srv.dc_ids() == std::vector<int32_t>{2, 4});
  auto a = session_client(rs, 2);
  auto b = session_client(rs, 4);
  byte_buffer q;
  tl::writer{q}.write_uint32(help_get_nearest_dc_id);
  auto ra = a->expect_result(a->send(q));
  auto rb = b->expect_result(b->send(q));
  tl::reader r1{ra}, r2{rb};
  r1.skip(4); r1.read_string(); r2.skip(4); r2.read_string();
  CHECK(r1.read_int32() == 2);
  CHECK(r2.read_int32() == 4);
  CHECK(rs.srv.counters(2).auth_keys == 1);
  CHECK(rs.srv.counters(4).auth_keys == 1);
  CHECK(rs.srv.counters().auth_keys == 2);
  // A key made on DC 2 is unknown on DC 4.
  test_client x = rs.connect({}, 4);
  x.use_key(a->auth_key(), a->salt(), 5);
  x.send(tl::serialize(tl::ping{1}));
  auto f = x.read_frame();
  REQUIRE(f);
  CHECK(f->error_code == -404);
  CHECK_THROWS_AS(rs.srv.port(3), std::out_of_range);
}

TEST_CASE("restart: forgetting sessions and keys", "[server][restart]") {
  running_server rs;
  auto c = session_client(rs);
  const auto key = c->auth_key();
  const auto salt = c->salt();
  const auto sid = c->session_id();
  SECTION("sessions: the same key gets new_session_created again") {
    rs.srv.forget_sessions();
    CHECK(c->wait_closed());
    CHECK(rs.srv.counters().sessions == 0);
    test_client c2 = rs.connect();
    c2.use_key(key, salt, sid);
    c2.send(tl::serialize(tl::ping{1}), true, send_overrides{std::nullopt, 201, std::nullopt, std::nullopt});
    CHECK_NOTHROW(c2.expect(tl::new_session_created::id));
    CHECK_NOTHROW(c2.expect(tl::pong::id));
  }
  SECTION("keys: -404, then a new handshake works") {
    rs.srv.forget_auth_keys();
    CHECK(c->wait_closed());
    test_client c2 = rs.connect();
    c2.use_key(key, salt, sid);
    c2.send(tl::serialize(tl::ping{1}));
    auto f = c2.read_frame();
    REQUIRE(f);
    CHECK(f->error_code == -404);
    test_client c3 = rs.connect();
    c3.handshake(rs.srv.public_key());
    c3.send(tl::serialize(tl::ping{1}));
    CHECK_NOTHROW(c3.expect(tl::pong::id));
  }
  wait_until([&] { return rs.srv.counters().connections_open <= 1; });
}

TEST_CASE("stop() with clients connected is clean and idempotent", "[server]") {
  running_server rs;
  auto c = session_client(rs);
  rs.srv.stop();
  CHECK(c->wait_closed());
  rs.srv.stop();
  CHECK_FALSE(rs.srv.running());
}
