// The lose_query fault: a packet carrying the chosen query is lost with the
// connection (never recorded, acked or answered), the session survives, and
// msgs_state_req on a new connection says which msg_ids never arrived.
#include "server_fixture.hpp"

#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <atomic>
#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

constexpr uint32_t lost_id = 0x0badc0de;

byte_buffer lost_query(uint32_t tag) {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(lost_id);
  w.write_uint32(tag);
  return q;
}

// A server answering lost_id with boolTrue and counting the calls.
struct lossy_server {
  running_server rs;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);

  explicit lossy_server(uint32_t times = 0) {
    rs.srv.on(lost_id, [calls = calls](const rpc_call&) {
      ++*calls;
      byte_buffer b;
      tl::writer{b}.write_bool(true);
      return rpc_reply::result(std::move(b));
    });
    fault_plan f;
    f.lose_query = lost_id;
    f.lose_query_times = times;
    rs.srv.set_faults(f);
  }
};

// The connection ends with nothing sent back at all (no ack, no answer, no
// quick ack): the next read is a clean EOF.
bool closed_without_answer(test_client& c) {
  return !c.read_frame().has_value();
}

// msgs_state_req for `ids` on a new connection of `from`'s session.
std::vector<uint8_t> states_after_reconnect(running_server& rs, test_client& from,
                                            const std::vector<int64_t>& ids,
                                            std::unique_ptr<test_client>* keep = nullptr) {
  auto c = std::make_unique<test_client>(rs.srv.port(2));
  c->continue_session(from);
  const int64_t req = c->send(tl::serialize(tl::msgs_state_req{ids}));
  auto info = read_as<tl::msgs_state_info>(c->expect(tl::msgs_state_info::id));
  CHECK(info.req_msg_id == req);
  if (keep)
    *keep = std::move(c);
  return info.info;
}

bool not_received(uint8_t state) {
  return state == 2 || state == 3;   // (3: msg_id too high); never 4 (+flags) or 1
}

} // namespace

TEST_CASE("lose_query: the packet is lost with the connection and the session survives",
          "[server][faults][lose_query]") {
  lossy_server ls;
  auto& rs = ls.rs;
  auto c = session_client(rs);
  // Other packets go through while the fault is armed.
  const int64_t seen = c->send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(c->expect(tl::pong::id));
  const auto before = rs.srv.counters();

  const int64_t lost = c->send(lost_query(1));
  // Sent right behind it on the same connection: never read either. (The
  // server may have closed already: then the send fails, same outcome.)
  send_overrides o;
  o.msg_id = c->next_msg_id();
  const int64_t behind = *o.msg_id;
  try {
    c->send(tl::serialize(tl::ping{2}), true, o);
  } catch (const std::exception&) {
  }
  CHECK(closed_without_answer(*c));

  const auto after = rs.srv.counters();
  CHECK(after.packets_lost == before.packets_lost + 1);
  CHECK(after.faults_injected == before.faults_injected + 1);
  CHECK(after.messages_received == before.messages_received);
  CHECK(after.count(lost_id) == 0);
  CHECK(after.sessions == 1);
  CHECK(*ls.calls == 0);

  std::unique_ptr<test_client> c2;
  auto states = states_after_reconnect(rs, *c, {lost, behind, seen}, &c2);
  REQUIRE(states.size() == 3);
  CHECK(not_received(states[0]));
  CHECK((states[0] & 7) != 4);
  CHECK(not_received(states[1]));
  CHECK((states[2] & 7) == 4);     // received earlier on this session
  CHECK((states[2] & 64) == 64);   // and answered
  // The same session continued: no new_session_created for it.
  CHECK(rs.srv.counters().new_sessions == before.new_sessions);

  // The client resends what never arrived (new msg_id); with the fault
  // cleared it is processed once.
  rs.srv.clear_faults();
  const int64_t again = c2->send(lost_query(1));
  auto res = c2->expect_result(again);
  REQUIRE(res.size() == 4);
  CHECK(load_le32(res.data()) == tl::bool_true_id);
  CHECK(*ls.calls == 1);
}

TEST_CASE("lose_query: the times budget counts down per DC, then queries are answered",
          "[server][faults][lose_query]") {
  lossy_server ls{2};
  auto& rs = ls.rs;
  auto first = session_client(rs);
  test_client* prev = first.get();
  std::vector<std::unique_ptr<test_client>> conns;
  std::vector<int64_t> lost;
  for (int i = 0; i < 2; ++i) {
    auto c = std::make_unique<test_client>(rs.srv.port(2));
    c->continue_session(*prev);
    lost.push_back(c->send(lost_query(uint32_t(i))));
    CHECK(closed_without_answer(*c));
    prev = c.get();
    conns.push_back(std::move(c));
  }
  CHECK(rs.srv.counters().packets_lost == 2);
  CHECK(*ls.calls == 0);
  // Budget spent: the fault is off, the query is answered (twice over).
  auto c = std::make_unique<test_client>(rs.srv.port(2));
  c->continue_session(*prev);
  for (uint32_t tag : {7u, 8u}) {
    auto res = c->expect_result(c->send(lost_query(tag)));
    REQUIRE(res.size() == 4);
    CHECK(load_le32(res.data()) == tl::bool_true_id);
  }
  CHECK(*ls.calls == 2);
  CHECK(rs.srv.counters().packets_lost == 2);
  CHECK(rs.srv.counters().faults_injected == 2);
  const int64_t req = c->send(tl::serialize(tl::msgs_state_req{lost}));
  auto info = read_as<tl::msgs_state_info>(c->expect(tl::msgs_state_info::id));
  CHECK(info.req_msg_id == req);
  REQUIRE(info.info.size() == 2);
  CHECK(not_received(info.info[0]));
  CHECK(not_received(info.info[1]));
}

TEST_CASE("lose_query: a container with the query loses every item in it",
          "[server][faults][lose_query]") {
  lossy_server ls;
  auto& rs = ls.rs;
  rs.srv.on(0x11112222, [](const rpc_call&) {
    byte_buffer b;
    tl::writer{b}.write_bool(false);
    return rpc_reply::result(std::move(b));
  });
  auto c = session_client(rs);
  byte_buffer other;
  tl::writer{other}.write_uint32(0x11112222);
  const auto ids = c->send_container({other, lost_query(3), tl::serialize(tl::ping{3})});
  REQUIRE(ids.size() == 4);   // three items, then the container
  CHECK(closed_without_answer(*c));
  CHECK(rs.srv.counters().count(0x11112222) == 0);
  CHECK(rs.srv.counters().count(tl::ping::id) == 1);   // session_client's ping only
  CHECK(*ls.calls == 0);
  auto states = states_after_reconnect(rs, *c, ids);
  REQUIRE(states.size() == 4);
  for (auto s : states)
    CHECK(not_received(s));
}

TEST_CASE("lose_query: found inside wrappers and gzip_packed", "[server][faults][lose_query]") {
  lossy_server ls;
  auto& rs = ls.rs;
  auto c = session_client(rs);
  byte_buffer body;
  tl::writer w{body};
  SECTION("invokeWithLayer(initConnection(query))") {
    tl::write_invoke_with_layer_header(w, 198);
    tl::init_connection_params p;
    p.api_id = 1;
    tl::write_init_connection(w, p, lost_query(4));
  }
  SECTION("invokeAfterMsg(query)") {
    tl::write_invoke_after_msg(w, c->next_msg_id(), lost_query(5));
  }
  SECTION("gzip_packed(query)") {
    w.write_uint32(tl::gzip_packed_id);
    w.write_bytes(tl::gzip(lost_query(6)));
  }
  const int64_t lost = c->send(body);
  CHECK(closed_without_answer(*c));
  CHECK(rs.srv.counters().packets_lost == 1);
  CHECK(*ls.calls == 0);
  auto states = states_after_reconnect(rs, *c, {lost});
  REQUIRE(states.size() == 1);
  CHECK(not_received(states[0]));
}

TEST_CASE("lose_query: a query that only looks alike goes through", "[server][faults][lose_query]") {
  lossy_server ls;
  auto& rs = ls.rs;
  auto c = session_client(rs);
  // The constructor id as a field of another query, not as a query.
  rs.srv.on(0x11112222, [](const rpc_call&) {
    byte_buffer b;
    tl::writer{b}.write_bool(true);
    return rpc_reply::result(std::move(b));
  });
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(0x11112222);
  w.write_uint32(lost_id);
  CHECK_NOTHROW(c->expect_result(c->send(q)));
  // A malformed container is answered as before, not taken for a loss.
  byte_buffer junk;
  tl::writer jw{junk};
  jw.write_uint32(tl::msg_container_id);
  jw.write_uint32(5);
  const int64_t bad = c->send(junk, false);
  auto n = read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id));
  CHECK(n.bad_msg_id == bad);
  CHECK(n.error_code == 64);
  CHECK(rs.srv.counters().packets_lost == 0);
}

TEST_CASE("a session the server forgot knows nothing of its older msg_ids",
          "[server][faults][lose_query]") {
  running_server rs;
  auto c = session_client(rs);
  const int64_t old = c->send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(c->expect(tl::pong::id));
  rs.srv.forget_sessions();
  CHECK(c->wait_closed());
  // The client carries on with its session; the server makes it anew and
  // must not claim the old message "not received" (the client would resend
  // what may have run): 1, nothing known.
  auto states = states_after_reconnect(rs, *c, {old});
  REQUIRE(states.size() == 1);
  CHECK(states[0] == 1);
  CHECK(rs.srv.counters().new_sessions == 2);
}

TEST_CASE("faults set before start apply to every DC once it starts",
          "[server][faults][lose_query]") {
  server srv{default_options()};
  fault_plan f;
  f.lose_query = lost_id;
  CHECK_THROWS_AS(srv.set_faults(f, 2), std::logic_error);
  srv.set_faults(f);
  srv.start();
  auto c = std::make_unique<test_client>(srv.port(2));
  c->handshake(srv.public_key(), handshake::inner_data_kind::dc, 2);
  c->send(lost_query(1));
  CHECK(closed_without_answer(*c));
  CHECK(srv.counters().packets_lost == 1);
}
