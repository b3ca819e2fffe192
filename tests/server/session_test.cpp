// The server side of the encrypted session: time window, salts, seqno rules,
// containers, acks, duplicates and every service message.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

send_overrides with(std::optional<int64_t> msg_id, int32_t seqno) {
  send_overrides o;
  o.msg_id = msg_id;
  o.seqno = seqno;
  return o;
}

int64_t msg_id_at(int64_t seconds_from_now) {
  return int64_t(session::msg_id_from_time_ns(unix_now_ns() + seconds_from_now * 1'000'000'000))
         & ~int64_t(3);
}

} // namespace

TEST_CASE("msg_id time window: 16 too low, 17 too high, 18 bad low bits", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  struct probe { int64_t msg_id; int32_t code; };
  for (auto p : {probe{msg_id_at(-400), 16}, probe{msg_id_at(+60), 17},
                 probe{msg_id_at(0) | 1, 18}}) {
    send_overrides o;
    o.msg_id = p.msg_id;
    c->send(tl::serialize(tl::ping{5}), true, o);
    auto bad = read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id));
    CHECK(bad.bad_msg_id == p.msg_id);
    CHECK(bad.error_code == p.code);
  }
  CHECK(rs.srv.counters().count(tl::ping::id) == 1);   // only the first one was executed
  // The client recovers: a good msg_id is answered.
  c->send(tl::serialize(tl::ping{6}));
  CHECK(read_as<tl::pong>(c->expect(tl::pong::id)).ping_id == 6);
}

TEST_CASE("server clock offset is visible in bad_msg_notification's msg_id", "[server][session]") {
  auto opts = default_options();
  opts.clock_offset = 1000;   // the server is 1000 s ahead
  running_server rs{std::move(opts)};
  auto c = rs.ready_client();
  c->send(tl::serialize(tl::ping{1}));
  auto m = c->expect(tl::bad_msg_notification::id);
  CHECK(read_as<tl::bad_msg_notification>(m).error_code == 16);
  const int64_t server_s = m.packet_msg_id >> 32;
  CHECK(std::abs(server_s - (unix_now_ns() / 1'000'000'000 + 1000)) <= 2);
}

TEST_CASE("salts: a wrong or zero salt gets bad_server_salt, the new one works", "[server][session]") {
  running_server rs;
  auto c = rs.ready_client();
  for (int64_t wrong : {int64_t(0), c->salt() ^ 0x5555}) {
    send_overrides o;
    o.salt = wrong;
    const int64_t id = c->send(tl::serialize(tl::ping{1}), true, o);
    auto bss = read_as<tl::bad_server_salt>(c->expect(tl::bad_server_salt::id));
    CHECK(bss.bad_msg_id == id);
    CHECK(bss.error_code == 48);
    CHECK(bss.new_server_salt != wrong);
    // Not dropped: the connection stays and the session answers with the new salt.
    c->set_salt(bss.new_server_salt);
    c->send(tl::serialize(tl::ping{2}));
    CHECK_NOTHROW(c->expect(tl::pong::id));
  }
  CHECK(rs.srv.counters().bad_server_salts == 2);
}

TEST_CASE("get_future_salts lists salts the server accepts", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  const int64_t id = c->send(tl::serialize(tl::get_future_salts{3}));
  auto fs = read_as<tl::future_salts>(c->expect(tl::future_salts::id));
  CHECK(fs.req_msg_id == id);
  REQUIRE(fs.salts.size() == 3);
  CHECK(std::abs(fs.now - unix_now_ns() / 1'000'000'000) <= 2);
  CHECK(fs.salts[0].valid_since <= fs.now);
  CHECK(fs.salts[0].valid_until > fs.now);
  CHECK(fs.salts[1].valid_since > fs.salts[0].valid_since);
  c->set_salt(fs.salts[0].salt);
  c->send(tl::serialize(tl::ping{3}));
  CHECK_NOTHROW(c->expect(tl::pong::id));
  CHECK(rs.srv.counters().bad_server_salts == 0);
}

TEST_CASE("seqno rules: parity 34/35, order 32/33", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  SECTION("content-related message with an even seqno") {
    send_overrides o;
    o.seqno = 10;
    c->send(tl::serialize(tl::ping{1}), true, o);
    CHECK(read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id)).error_code == 35);
  }
  SECTION("msgs_ack with an odd seqno") {
    send_overrides o;
    o.seqno = 11;
    c->send(tl::serialize(tl::msgs_ack{{1}}), false, o);
    CHECK(read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id)).error_code == 34);
  }
  SECTION("a later msg_id with a lower seqno") {
    c->send(tl::serialize(tl::ping{1}), true, with(std::nullopt, 41));
    c->expect(tl::pong::id);
    c->send(tl::serialize(tl::ping{2}), true, with(std::nullopt, 5));
    CHECK(read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id)).error_code == 32);
  }
  SECTION("an earlier msg_id with a higher seqno") {
    const int64_t early = c->next_msg_id();
    c->send(tl::serialize(tl::ping{1}), true, with(std::nullopt, 41));
    c->expect(tl::pong::id);
    c->send(tl::serialize(tl::ping{2}), true, with(early, 99));
    CHECK(read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id)).error_code == 33);
  }
}

TEST_CASE("containers: each message is processed, answers come packed", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  auto ids = c->send_container({tl::serialize(tl::ping{1}), tl::serialize(tl::ping{2}),
                                tl::serialize(tl::get_future_salts{1})});
  std::vector<server_message> got;
  while (got.size() < 3)
    for (auto& m : c->read_packet())
      got.push_back(std::move(m));
  CHECK(got.size() == 3);
  for (auto& m : got)
    CHECK(m.in_container);
  CHECK(read_as<tl::pong>(got[0]).msg_id == ids[0]);
  CHECK(read_as<tl::pong>(got[1]).msg_id == ids[1]);
  CHECK(read_as<tl::future_salts>(got[2]).req_msg_id == ids[2]);
  CHECK(got[0].packet_msg_id > got[2].msg_id);   // the container's id comes last
  CHECK(got[0].packet_msg_id % 4 == 3);
  auto n = rs.srv.counters();
  CHECK(n.containers_received == 1);
  CHECK(n.containers_sent >= 1);

  SECTION("an invalid container gets 64") {
    byte_buffer bad;
    tl::writer w{bad};
    w.write_uint32(tl::msg_container_id);
    w.write_uint32(1);
    w.write_int64(c->next_msg_id());
    w.write_int32(1);
    w.write_int32(400);   // bytes run past the end
    w.write_uint32(tl::ping::id);
    const int64_t id = c->send(bad, false);
    auto bm = read_as<tl::bad_msg_notification>(c->expect(tl::bad_msg_notification::id));
    CHECK(bm.bad_msg_id == id);
    CHECK(bm.error_code == 64);
  }
}

TEST_CASE("duplicates are acked and not executed twice", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  const int64_t id = c->next_msg_id();
  send_overrides o;
  o.msg_id = id;
  o.seqno = c->next_seqno(true);
  c->send(tl::serialize(tl::ping{77}), true, o);
  c->expect(tl::pong::id);
  c->send(tl::serialize(tl::ping{77}), true, o);
  auto ack = read_as<tl::msgs_ack>(c->expect(tl::msgs_ack::id));
  CHECK(ack.msg_ids == std::vector<int64_t>{id});
  CHECK(rs.srv.counters().duplicates == 1);
  CHECK(rs.srv.counters().count(tl::ping::id) == 2);   // the session's first ping and this one
}

TEST_CASE("acks: queries without an immediate answer are acked", "[server][session]") {
  running_server rs;
  rs.srv.on(0x11112222, [](const rpc_call&) { return rpc_reply::no_answer(); });
  auto c = session_client(rs);
  byte_buffer q;
  tl::writer{q}.write_uint32(0x11112222);
  const int64_t id = c->send(q);
  auto ack = read_as<tl::msgs_ack>(c->expect(tl::msgs_ack::id));
  CHECK(ack.msg_ids == std::vector<int64_t>{id});
  CHECK(ack.msg_ids.size() == 1);
  // Acks the client sends (batched late, several at once) are taken.
  c->send(tl::serialize(tl::ping{1}));
  auto pong = c->expect(tl::pong::id);
  std::this_thread::sleep_for(50ms);
  c->send(tl::serialize(tl::msgs_ack{{pong.msg_id, 12345}}), false);
  c->send(tl::serialize(tl::ping{2}));
  c->expect(tl::pong::id);
  CHECK(rs.srv.counters().acks_received == 2);
}

TEST_CASE("msgs_state_req reports what the server got", "[server][session]") {
  running_server rs;
  rs.srv.on(0x11112222, [](const rpc_call&) { return rpc_reply::no_answer(); });
  auto c = session_client(rs);
  byte_buffer q;
  tl::writer{q}.write_uint32(0x11112222);
  const int64_t running = c->send(q);
  c->expect(tl::msgs_ack::id);
  const int64_t answered = c->send(tl::serialize(tl::ping{1}));
  c->expect(tl::pong::id);
  const int64_t never = c->next_msg_id();
  const int64_t future = msg_id_at(3600);
  const int64_t req = c->send(tl::serialize(tl::msgs_state_req{{running, answered, never, future}}));
  auto info = read_as<tl::msgs_state_info>(c->expect(tl::msgs_state_info::id));
  CHECK(info.req_msg_id == req);
  REQUIRE(info.info.size() == 4);
  CHECK((info.info[0] & 7) == 4);
  CHECK((info.info[0] & 32) == 32);   // a query, running
  CHECK((info.info[0] & 64) == 0);    // no answer yet
  CHECK((info.info[1] & 7) == 4);
  CHECK((info.info[1] & 64) == 64);   // answered
  CHECK(info.info[2] == 2);           // not received
  CHECK(info.info[3] == 3);           // not received, id too high
}

TEST_CASE("rpc_drop_answer: running, answered, unknown", "[server][session]") {
  running_server rs;
  rs.srv.on(0x11112222, [](const rpc_call&) {
    return rpc_reply::result(tl::serialize(tl::rpc_answer_unknown{})).after(300ms);
  });
  auto c = session_client(rs);
  byte_buffer q;
  tl::writer{q}.write_uint32(0x11112222);
  const int64_t slow = c->send(q);
  const int64_t drop1 = c->send(tl::serialize(tl::rpc_drop_answer{slow}));
  CHECK(tl::peek_constructor(c->expect_result(drop1)) == tl::rpc_answer_dropped_running::id);

  byte_buffer nd;
  tl::writer{nd}.write_uint32(help_get_nearest_dc_id);
  const int64_t answered = c->send(nd);
  c->expect_result(answered);
  const int64_t drop2 = c->send(tl::serialize(tl::rpc_drop_answer{answered}));
  auto r2 = c->expect_result(drop2);
  tl::reader rr{r2};
  auto dropped = tl::rpc_answer_dropped::read(rr);
  CHECK(dropped.msg_id % 4 == 1);
  CHECK(dropped.bytes > 0);

  const int64_t drop3 = c->send(tl::serialize(tl::rpc_drop_answer{12345678}));
  CHECK(tl::peek_constructor(c->expect_result(drop3)) == tl::rpc_answer_unknown::id);

  // The dropped slow answer never comes.
  std::this_thread::sleep_for(400ms);
  c->send(tl::serialize(tl::ping{9}));
  c->expect(tl::pong::id);
  for (auto& m : c->backlog())
    if (m.constructor() == tl::rpc_result_id)
      CHECK(tl::read_rpc_result(m.body).req_msg_id != slow);
}

TEST_CASE("destroy_session forgets another session of the key", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  const int64_t first = c->session_id();
  c->set_session_id(first + 1);
  c->send(tl::serialize(tl::ping{1}));
  c->expect(tl::new_session_created::id);
  c->expect(tl::pong::id);
  CHECK(rs.srv.sessions(2).size() == 2);
  c->send(tl::serialize(tl::destroy_session{first}));
  CHECK(read_as<tl::destroy_session_ok>(c->expect(tl::destroy_session_ok::id)).session_id == first);
  CHECK(rs.srv.sessions(2).size() == 1);
  c->send(tl::serialize(tl::destroy_session{first}));
  CHECK(read_as<tl::destroy_session_none>(c->expect(tl::destroy_session_none::id)).session_id == first);
}

TEST_CASE("msg_resend_req resends what the client names", "[server][session]") {
  running_server rs;
  auto c = session_client(rs);
  c->send(tl::serialize(tl::ping{31}));
  auto pong = c->expect(tl::pong::id);
  c->send(tl::serialize(tl::msg_resend_req{{pong.msg_id, 999}}));
  auto again = c->expect(tl::pong::id);
  CHECK(again.body == pong.body);
  auto info = read_as<tl::msgs_state_info>(c->expect(tl::msgs_state_info::id));
  CHECK(info.info == byte_buffer{1});   // 999: nothing known
}

TEST_CASE("gzip_packed from the client is unpacked, large answers are packed", "[server][session]") {
  running_server rs;
  byte_buffer big(4, 0);
  store_le32(big.data(), 0x99999999);   // an answer that compresses well
  big.resize(8192, 0x41);
  rs.srv.on(0x22223333, [big](const rpc_call&) { return rpc_reply::result(big); });
  auto c = session_client(rs);
  byte_buffer q;
  tl::writer{q}.write_uint32(0x22223333);
  byte_buffer packed;
  tl::writer pw{packed};
  tl::write_gzip_packed(pw, q);
  const int64_t id = c->send(packed);
  CHECK(c->expect_result(id) == big);
  auto n = rs.srv.counters();
  CHECK(n.gzip_sent == 1);
  CHECK(n.count(0x22223333) == 1);
  CHECK(n.count(tl::gzip_packed_id) == 1);
}

TEST_CASE("quick acks are answered with TDLib's token", "[server][session]") {
  running_server rs;
  for (auto kind : {codec::framing::abridged, codec::framing::intermediate,
                    codec::framing::padded_intermediate}) {
    codec::codec_options opts;
    opts.kind = kind;
    auto c = rs.ready_client(opts);
    send_overrides o;
    o.quick_ack = true;
    c->send(tl::serialize(tl::ping{1}), true, o);
    auto f = c->read_frame();
    REQUIRE(f);
    REQUIRE(f->type == codec::frame::kind::quick_ack);
    crypto::sha256 h;
    h.update(byte_view{c->auth_key().data() + 88, 32});
    h.update(c->last_plaintext());
    const uint32_t expected = load_le32(h.finish().data()) | 0x80000000u;
    CHECK(f->quick_ack_token == expected);
    CHECK(c->read_packet().size() >= 1);
  }
  CHECK(rs.srv.counters().quick_acks_sent == 3);
}
