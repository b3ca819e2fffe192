// The client session state machine against a tiny server built from the
// session's pieces (fake_server: server-role packet_cipher, odd msg_ids).
#include "session_test_support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace session_test;

namespace {

constexpr uint32_t api_call = 0x0badf00d;      // a made-up API function
constexpr uint32_t api_answer = 0x0a0a0a0a;    // a made-up API result
constexpr uint32_t api_update = 0x74ae4240;    // updates#74ae4240 (any non-service id)

byte_buffer call(uint8_t n, size_t words = 2) { return fake_object(api_call, words, n); }

std::vector<uint64_t> acked_ids(const byte_buffer& ack_body) {
  tl::reader r{ack_body};
  std::vector<uint64_t> out;
  for (auto id : tl::msgs_ack::read(r).msg_ids)
    out.push_back(uint64_t(id));
  return out;
}

} // namespace

TEST_CASE("one request, one answer, ack rides along with the next request",
          "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  CHECK(t.client.has_output());
  auto p = t.flush();
  REQUIRE(p.messages.size() == 1);
  CHECK(!p.container);
  CHECK(p.header.session_id == t.client.session_id());
  CHECK(p.header.salt == 0x1122334455667788ull);
  CHECK(p.header.msg_id % 4 == 0);
  CHECK(p.header.seqno == 1);
  CHECK(p.messages[0].body == call(1));
  CHECK(msg_id_seconds(p.header.msg_id) == rig::t0);
  CHECK(!t.client.has_output());
  CHECK(t.client.find(1)->sent);

  const auto answer = fake_object(api_answer, 5);
  uint64_t answer_id = 0;
  auto ev = t.deliver(t.server.packet(rpc_result_body(p.header.msg_id, answer), true, &answer_id));
  auto res = only<rpc_result_event>(ev);
  CHECK(res.token == 1);
  CHECK(res.body == byte_view{answer});
  CHECK(t.client.pending_requests() == 0);
  CHECK(t.client.pending_acks() == 1);

  // Next request: a container of the request and the msgs_ack.
  t.client.invoke(2, call(2));
  auto q = t.flush();
  REQUIRE(q.container);
  REQUIRE(q.messages.size() == 2);
  CHECK(q.messages[0].body == call(2));
  CHECK(q.messages[0].seqno == 3);
  auto ack = find_body(q, tl::msgs_ack::id);
  REQUIRE(ack);
  CHECK(ack->seqno % 2 == 0);
  CHECK(acked_ids(ack->body) == std::vector<uint64_t>{answer_id});
  // The container id is the largest of the packet and has an even seqno.
  CHECK(q.header.msg_id > q.messages[0].msg_id);
  CHECK(q.header.msg_id > q.messages[1].msg_id);
  CHECK(q.header.seqno % 2 == 0);
  CHECK(t.client.pending_acks() == 0);
}

TEST_CASE("acks alone go out as a lone msgs_ack", "[session][flow]") {
  rig t;
  for (int i = 0; i < 3; ++i)
    t.deliver(t.server.packet(fake_object(api_update), true));
  // Not content-related: no ack.
  t.deliver(t.server.packet(fake_object(api_update), false));
  CHECK(t.client.pending_acks() == 3);
  CHECK(t.client.has_output());
  auto p = t.flush();
  REQUIRE(!p.container);
  REQUIRE(p.messages.size() == 1);
  CHECK(p.header.seqno % 2 == 0);
  CHECK(acked_ids(p.messages[0].body).size() == 3);
  byte_buffer out;
  CHECK(!t.client.next_packet(out));
  CHECK(out.empty());
}

TEST_CASE("several requests share a container and answers in any order", "[session][flow]") {
  rig t;
  for (uint8_t i = 1; i <= 5; ++i)
    t.client.invoke(i, call(i));
  auto p = t.flush();
  REQUIRE(p.container);
  REQUIRE(p.messages.size() == 5);
  uint64_t prev = 0;
  for (size_t i = 0; i < 5; ++i) {
    CHECK(p.messages[i].body == call(uint8_t(i + 1)));
    CHECK(p.messages[i].seqno == 2 * i + 1);
    CHECK(p.messages[i].msg_id > prev);
    CHECK(p.messages[i].msg_id % 4 == 0);
    prev = p.messages[i].msg_id;
  }
  CHECK(p.header.msg_id > prev);
  CHECK(p.header.seqno == 10);

  std::vector<std::pair<byte_buffer, bool>> answers;
  for (int i = 4; i >= 0; --i)
    answers.push_back({rpc_result_body(p.messages[size_t(i)].msg_id,
                                       fake_object(api_answer, 1, uint8_t(i + 1))),
                       true});
  auto ev = t.deliver(t.server.container(answers));
  auto res = all_of<rpc_result_event>(ev);
  REQUIRE(res.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(res[i].token == 5 - i);
    CHECK(res[i].body == byte_view{fake_object(api_answer, 1, uint8_t(5 - i))});
  }
  CHECK(t.client.pending_acks() == 5);
}

TEST_CASE("container limit: at most 1020 messages, acks counted", "[session][flow]") {
  rig t;
  for (uint64_t i = 0; i < 1500; ++i)
    t.client.invoke(i, call(uint8_t(i)));
  auto p1 = t.flush();
  CHECK(p1.messages.size() == 1020);
  auto p2 = t.flush();
  CHECK(p2.messages.size() == 480);
  CHECK(t.flush().messages.empty());

  // With acks pending, one slot goes to the msgs_ack.
  t.deliver(t.server.packet(fake_object(api_update), true));
  for (uint64_t i = 2000; i < 3100; ++i)
    t.client.invoke(i, call(uint8_t(i)));
  auto p3 = t.flush();
  CHECK(p3.messages.size() == 1020);
  CHECK(find_body(p3, tl::msgs_ack::id) != nullptr);
  auto p4 = t.flush();
  CHECK(p4.messages.size() == 1100 - 1019);
}

TEST_CASE("large bodies go alone and the byte cap splits containers", "[session][flow]") {
  session_config cfg;
  cfg.alone_threshold = 4096;
  cfg.max_packet_bytes = 64 * 1024;
  rig t{cfg};
  t.client.invoke(1, call(1));
  t.client.invoke(2, call(2, 2000));  // 8004 bytes: alone
  t.client.invoke(3, call(3));
  t.deliver(t.server.packet(fake_object(api_update), true));  // an ack to send

  auto p1 = t.flush();
  REQUIRE(p1.container);
  CHECK(p1.messages.size() == 2);  // call 1 + ack; stops before the big one
  CHECK(p1.messages[0].body == call(1));
  auto p2 = t.flush();
  REQUIRE(!p2.container);
  CHECK(p2.messages[0].body == call(2, 2000));
  auto p3 = t.flush();
  REQUIRE(!p3.container);
  CHECK(p3.messages[0].body == call(3));

  // 20 bodies of ~4 KiB: below the alone threshold, but 64 KiB per packet.
  for (uint64_t i = 10; i < 30; ++i)
    t.client.invoke(i, call(uint8_t(i), 1000));
  size_t total = 0, packets = 0;
  for (auto p = t.flush(); !p.messages.empty(); p = t.flush()) {
    size_t bytes = 0;
    for (auto& m : p.messages)
      bytes += 16 + m.body.size();
    CHECK(bytes + 8 <= cfg.max_packet_bytes);
    total += p.messages.size();
    ++packets;
  }
  CHECK(total == 20);
  CHECK(packets == 2);

  // Bodies that cannot be sent at all are refused up front.
  CHECK_THROWS_AS(t.client.invoke(99, byte_buffer(70 * 1024, 0)), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(99, byte_buffer{1, 2, 3}), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(99, byte_buffer{}), std::invalid_argument);
  CHECK_THROWS_AS(t.client.invoke(internal_token_base, call(1)), std::invalid_argument);
  t.client.invoke(99, call(9));
  CHECK_THROWS_AS(t.client.invoke(99, call(9)), std::invalid_argument);
}

TEST_CASE("bad_server_salt naming a container resends every message in it",
          "[session][flow]") {
  rig t;
  for (uint8_t i = 1; i <= 3; ++i)
    t.client.invoke(i, call(i));
  t.deliver(t.server.packet(fake_object(api_update), true));  // an ack rides along too
  auto p = t.flush();
  REQUIRE(p.container);
  REQUIRE(p.messages.size() == 4);

  const uint64_t new_salt = 0x0102030405060708ull;
  tl::bad_server_salt bss;
  bss.bad_msg_id = int64_t(p.header.msg_id);
  bss.bad_msg_seqno = int32_t(p.header.seqno);
  bss.error_code = 48;
  bss.new_server_salt = int64_t(new_salt);
  auto ev = t.deliver(t.server.packet(serialize(bss), false));
  auto sc = only<salt_changed_event>(ev);
  CHECK(sc.salt == new_salt);
  CHECK(sc.resent == 3);
  CHECK(t.client.server_salt() == new_salt);

  auto q = t.flush();
  CHECK(q.header.salt == new_salt);
  REQUIRE(q.messages.size() == 4);  // the 3 calls and the ack again
  std::set<uint64_t> old_ids;
  for (auto& m : p.messages)
    old_ids.insert(m.msg_id);
  for (uint8_t i = 0; i < 3; ++i) {
    CHECK(q.messages[i].body == call(uint8_t(i + 1)));
    CHECK(old_ids.count(q.messages[i].msg_id) == 0);  // new msg_ids
  }
  CHECK(find_body(q, tl::msgs_ack::id) != nullptr);

  // Answers to the new ids reach the original tokens; an answer to an old id
  // is not mistaken for one.
  auto e1 = t.deliver(t.server.packet(rpc_result_body(p.messages[0].msg_id,
                                                      fake_object(api_answer))));
  CHECK(only<message_ignored_event>(e1).reason == ignore_reason::unknown_request);
  auto e2 = t.deliver(t.server.packet(rpc_result_body(q.messages[1].msg_id,
                                                      fake_object(api_answer))));
  CHECK(only<rpc_result_event>(e2).token == 2);
}

TEST_CASE("bad_server_salt naming one message resends it", "[session][flow]") {
  rig t;
  t.client.invoke(7, call(7));
  auto p = t.flush();
  tl::bad_server_salt bss{int64_t(p.header.msg_id), int32_t(p.header.seqno), 48, 99};
  auto ev = t.deliver(t.server.packet(serialize(bss), false));
  CHECK(only<salt_changed_event>(ev).resent == 1);
  auto q = t.flush();
  CHECK(q.header.salt == 99);
  CHECK(q.messages.at(0).body == call(7));
  CHECK(q.header.msg_id > p.header.msg_id);
  CHECK(q.header.seqno > p.header.seqno);  // a resend is a new message
}

TEST_CASE("time skew: bad_msg_notification 16/17 corrects the offset and resends",
          "[session][flow][time]") {
  for (int code : {16, 17}) {
    rig t{{}, false};
    // The client's clock is off by an hour (ahead for 17, behind for 16).
    const int64_t skew = (code == 17 ? 3600 : -3600) * ns_per_second;
    manual_clock client_clock{t.clock.unix_time_ns() + skew};
    client_session c{t.make_state(false), client_clock, t.random};
    t.server.session_id = c.session_id();
    t.server.salt = c.server_salt();

    c.invoke(1, call(1));
    byte_buffer out;
    REQUIRE(c.next_packet(out));
    auto p = t.server.read(out);
    CHECK(std::llabs(msg_id_seconds(p.header.msg_id) - rig::t0 - skew / ns_per_second) <= 1);

    tl::bad_msg_notification bmn{int64_t(p.header.msg_id), int32_t(p.header.seqno), code};
    uint64_t note_id = 0;
    auto pkt = t.server.packet(serialize(bmn), false, &note_id);
    std::vector<event> ev;
    c.on_packet(pkt, ev);
    auto tc = only<time_corrected_event>(ev);
    CHECK(tc.bad_msg_code == code);
    CHECK(tc.resent == 1);
    CHECK(std::llabs(tc.offset_ns + skew) < ns_per_second / 100);
    CHECK(c.time_synced());

    out.clear();
    REQUIRE(c.next_packet(out));
    auto q = t.server.read(out);
    CHECK(q.messages.at(0).body == call(1));
    // Now on server time, and still above every id sent before.
    // On server time now. After 17 the ids go back: the server dropped the
    // too-new ones, so the ids it has seen still increase.
    CHECK(std::llabs(msg_id_seconds(q.header.msg_id) - rig::t0) <= 1);
    CHECK(std::llabs(msg_id_seconds(q.header.msg_id) - msg_id_seconds(note_id)) <= 1);
    if (code == 16)
      CHECK(q.header.msg_id > p.header.msg_id);
  }
}

TEST_CASE("a time correction from a server clock decades away is clamped and still saves",
          "[session][flow][time]") {
  // Found by the session fuzzer: a server msg_id may name any second up to
  // 2^32 (year 2106); an offset taken from it unclamped made saved state
  // that parse_session_state refuses.
  rig t{{}, false};
  manual_clock client_clock{t.clock.unix_time_ns()};
  client_session c{t.make_state(false), client_clock, t.random};
  t.server.session_id = c.session_id();
  t.server.salt = c.server_salt();
  c.invoke(1, call(1));
  byte_buffer out;
  REQUIRE(c.next_packet(out));
  auto p = t.server.read(out);

  t.clock.set_seconds(int64_t(0xfffffff0));  // the server's clock only
  tl::bad_msg_notification bmn{int64_t(p.header.msg_id), int32_t(p.header.seqno), 16};
  auto pkt = t.server.packet(serialize(bmn), false);
  std::vector<event> ev;
  c.on_packet(pkt, ev);
  auto tc = only<time_corrected_event>(ev);
  CHECK(tc.offset_ns == max_time_offset_ns);
  const auto saved = c.save();
  CHECK(saved.time_offset_ns == max_time_offset_ns);
  CHECK(parse_session_state(serialize_session_state(saved)) == saved);
}

TEST_CASE("after a backward time correction, containers sent earlier can still be named",
          "[session][flow][time]") {
  rig t;
  auto st = t.client.save();
  st.time_offset_ns = 3600 * ns_per_second;  // an hour ahead
  client_session c{st, t.clock, t.random};
  auto send = [&] {
    byte_buffer out;
    REQUIRE(c.next_packet(out));
    return t.server.read(out);
  };
  c.invoke(1, call(1));
  c.invoke(2, call(2));
  auto first = send();  // container, ids an hour ahead
  REQUIRE(first.container);
  c.invoke(3, call(3));
  c.invoke(4, call(4));
  auto second = send();
  REQUIRE(second.container);
  std::vector<event> ev;
  tl::bad_msg_notification n1{int64_t(first.header.msg_id), int32_t(first.header.seqno), 17};
  c.on_packet(t.server.packet(serialize(n1), false), ev);
  CHECK(only<time_corrected_event>(ev).resent == 2);
  auto third = send();  // the resend: ids on server time now, below the old ones
  REQUIRE(third.container);
  CHECK(third.header.msg_id < second.header.msg_id);
  // The second container (still an hour ahead) is rejected too: found.
  ev.clear();
  tl::bad_msg_notification n2{int64_t(second.header.msg_id), int32_t(second.header.seqno), 17};
  c.on_packet(t.server.packet(serialize(n2), false), ev);
  CHECK(only<time_corrected_event>(ev).resent == 2);
  // And a salt error naming the new (lower-id) container resends its content.
  ev.clear();
  tl::bad_server_salt bss{int64_t(third.header.msg_id), int32_t(third.header.seqno), 48, 5};
  c.on_packet(t.server.packet(serialize(bss), false), ev);
  CHECK(only<salt_changed_event>(ev).resent == 2);
}

TEST_CASE("a stale synced offset does not lock the client out", "[session][flow][time]") {
  rig t;
  auto st = t.client.save();
  st.time_offset_ns = 3600 * ns_per_second;  // synced, but wrong by an hour
  client_session c{st, t.clock, t.random};

  c.invoke(1, call(1));
  byte_buffer out;
  REQUIRE(c.next_packet(out));
  auto p = t.server.read(out);

  // Normal server messages look an hour old: ignored.
  std::vector<event> ev;
  c.on_packet(t.server.packet(fake_object(api_update)), ev);
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::too_old);
  CHECK(all_of<update_event>(ev).empty());

  // The correction itself is exempt from the window.
  ev.clear();
  tl::bad_msg_notification bmn{int64_t(p.header.msg_id), int32_t(p.header.seqno), 17};
  c.on_packet(t.server.packet(serialize(bmn), false), ev);
  CHECK(only<time_corrected_event>(ev).resent == 1);

  ev.clear();
  c.on_packet(t.server.packet(fake_object(api_update)), ev);
  CHECK(all_of<update_event>(ev).size() == 1);
}

TEST_CASE("time window: -300 s / +30 s once synced, not before", "[session][flow][time]") {
  rig t;
  auto at = [&](int64_t seconds_from_now) {
    return (msg_id_from_time_ns(t.clock.unix_time_ns() + seconds_from_now * ns_per_second)
            & ~uint64_t(3)) | 1;
  };
  auto update = fake_object(api_update);
  auto reason_of = [&](uint64_t id) {
    auto ev = t.deliver(t.server.packet_with_id(id, 1, update));
    if (!all_of<update_event>(ev).empty())
      return std::string("accepted");
    return std::string(to_string(only<message_ignored_event>(ev).reason));
  };
  CHECK(reason_of(at(-301)) == "too_old");
  CHECK(reason_of(at(-299)) == "accepted");
  CHECK(reason_of(at(31)) == "too_new");
  CHECK(reason_of(at(29)) == "accepted");
  // An out-of-window message is not remembered (nor acked): the same id
  // arriving later, once in the window, is accepted.
  const uint64_t future_id = at(40);
  CHECK(reason_of(future_id) == "too_new");
  t.clock.advance(20 * ns_per_second);
  CHECK(reason_of(future_id) == "accepted");

  // Before the time is synced no window applies (we could not judge it).
  rig u{{}, false};
  auto ev = u.deliver(u.server.packet_with_id(
    (msg_id_from_time_ns(u.clock.unix_time_ns() - 5000 * ns_per_second) & ~uint64_t(3)) | 1,
    1, update));
  CHECK(all_of<update_event>(ev).size() == 1);
  // sync_time (the handshake's server_time) turns it on.
  u.client.sync_time(rig::t0);
  CHECK(u.client.time_synced());
  CHECK(std::llabs(u.client.time_offset_ns()) < ns_per_second);
}

TEST_CASE("seqno errors 32/33 move the count and resend", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  CHECK(p.header.seqno == 1);
  tl::bad_msg_notification low{int64_t(p.header.msg_id), int32_t(p.header.seqno), 32};
  auto ev = t.deliver(t.server.packet(serialize(low), false));
  CHECK(only<seqno_corrected_event>(ev).resent == 1);
  auto q = t.flush();
  CHECK(q.header.seqno == 2 * (1 + 64) + 1);  // jumped well past
  tl::bad_msg_notification high{int64_t(q.header.msg_id), int32_t(q.header.seqno), 33};
  ev = t.deliver(t.server.packet(serialize(high), false));
  CHECK(only<seqno_corrected_event>(ev).bad_msg_code == 33);
  auto r = t.flush();
  CHECK(r.header.seqno < q.header.seqno);
  CHECK(r.header.seqno % 2 == 1);
  CHECK(r.messages.at(0).body == call(1));
}

TEST_CASE("other bad_msg codes fail the request (or the whole container)",
          "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  tl::bad_msg_notification bmn{int64_t(p.header.msg_id), int32_t(p.header.seqno), 35};
  auto ev = t.deliver(t.server.packet(serialize(bmn), false));
  auto f = only<request_failed_event>(ev);
  CHECK(f.token == 1);
  CHECK(f.bad_msg_code == 35);
  CHECK(!t.client.find(1));
  CHECK(!t.client.has_output());

  t.client.invoke(2, call(2));
  t.client.invoke(3, call(3));
  auto q = t.flush();
  REQUIRE(q.container);
  tl::bad_msg_notification inv{int64_t(q.header.msg_id), int32_t(q.header.seqno), 64};
  ev = t.deliver(t.server.packet(serialize(inv), false));
  auto fs = all_of<request_failed_event>(ev);
  REQUIRE(fs.size() == 2);
  CHECK(fs[0].bad_msg_code == 64);
  CHECK(t.client.pending_requests() == 0);

  // A notification about nothing we know is reported, not fatal.
  tl::bad_msg_notification unknown{12345678, 1, 20};
  ev = t.deliver(t.server.packet(serialize(unknown), false));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unknown_request);
}

TEST_CASE("new_session_created: new salt, older requests resent, event raised",
          "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p1 = t.flush();
  t.client.invoke(2, call(2));
  auto p2 = t.flush();
  tl::new_session_created nsc{int64_t(p2.header.msg_id), 0x777, 0x5a17};
  auto ev = t.deliver(t.server.packet(serialize(nsc), true));
  auto ns = only<new_session_event>(ev);
  CHECK(ns.first_msg_id == p2.header.msg_id);
  CHECK(ns.unique_id == 0x777);
  CHECK(ns.server_salt == 0x5a17);
  CHECK(ns.resent == 1);
  CHECK(all_of<update_event>(ev).empty());  // never forwarded as an update
  auto q = t.flush();
  CHECK(q.header.salt == 0x5a17);
  CHECK(q.messages.at(0).body == call(1));
  CHECK(find_body(q, tl::msgs_ack::id) != nullptr);  // the notice is content-related
  (void)p1;
}

TEST_CASE("duplicates are acked again and ignored", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  auto pkt = t.server.packet(rpc_result_body(p.header.msg_id, fake_object(api_answer)));
  auto ev = t.deliver(pkt);
  CHECK(all_of<rpc_result_event>(ev).size() == 1);
  t.flush();  // sends the ack
  CHECK(t.client.pending_acks() == 0);
  ev = t.deliver(pkt);
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::duplicate);
  CHECK(all_of<rpc_result_event>(ev).empty());
  CHECK(t.client.pending_acks() == 1);
  // An update replayed is not delivered twice either.
  auto up = t.server.packet(fake_object(api_update));
  CHECK(all_of<update_event>(t.deliver(up)).size() == 1);
  CHECK(all_of<update_event>(t.deliver(up)).empty());
}

TEST_CASE("gzip_packed results and updates are inflated", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  const auto answer = fake_object(api_answer, 4000, 0x33);  // compresses well
  byte_buffer packed;
  {
    tl::writer w{packed};
    tl::write_gzip_packed(w, answer);
  }
  CHECK(packed.size() < answer.size() / 10);
  auto ev = t.deliver(t.server.packet(rpc_result_body(p.header.msg_id, packed)));
  auto res = only<rpc_result_event>(ev);
  CHECK(res.token == 1);
  CHECK(res.body == byte_view{answer});

  // An rpc_error inside gzip_packed is still an error.
  t.client.invoke(2, call(2));
  auto q = t.flush();
  byte_buffer packed_err;
  {
    tl::writer w{packed_err};
    tl::write_gzip_packed(w, serialize(tl::rpc_error{420, "FLOOD_WAIT_30"}));
  }
  ev = t.deliver(t.server.packet(rpc_result_body(q.messages.at(0).msg_id, packed_err)));
  auto err = only<rpc_error_event>(ev);
  CHECK(err.token == 2);
  CHECK(err.code == 420);
  CHECK(err.message == "FLOOD_WAIT_30");

  // A top-level gzip_packed update.
  const auto upd = fake_object(api_update, 300, 0x44);
  byte_buffer packed_upd;
  {
    tl::writer w{packed_upd};
    tl::write_gzip_packed(w, upd);
  }
  ev = t.deliver(t.server.packet(packed_upd));
  CHECK(only<update_event>(ev).body == byte_view{upd});

  // Corrupt gzip: the request fails, the message is reported; not fatal.
  t.client.invoke(3, call(3));
  auto r = t.flush();
  byte_buffer broken;
  {
    tl::writer w{broken};
    w.write_uint32(tl::gzip_packed_id);
    w.write_bytes(byte_buffer(40, 0x99));
  }
  ev = t.deliver(t.server.packet(rpc_result_body(r.messages.at(0).msg_id, broken)));
  CHECK(only<request_failed_event>(ev).token == 3);
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::malformed);
}

TEST_CASE("rpc_error is parsed into code and message", "[session][flow]") {
  rig t;
  t.client.invoke(5, call(5));
  auto p = t.flush();
  auto ev = t.deliver(t.server.packet(
    rpc_result_body(p.header.msg_id, serialize(tl::rpc_error{400, "PEER_ID_INVALID"}))));
  auto e = only<rpc_error_event>(ev);
  CHECK(e.token == 5);
  CHECK(e.code == 400);
  CHECK(e.message == "PEER_ID_INVALID");
  CHECK(t.client.pending_requests() == 0);
}

TEST_CASE("ping and ping_delay_disconnect get their pong, plain or wrapped",
          "[session][flow]") {
  rig t;
  t.client.ping(42);
  t.client.ping_delay_disconnect(43, 75);
  auto p = t.flush();
  REQUIRE(p.messages.size() == 2);
  CHECK(p.messages[0].body == serialize(tl::ping{42}));
  CHECK(p.messages[1].body == serialize(tl::ping_delay_disconnect{43, 75}));
  CHECK(p.messages[0].seqno % 2 == 1);
  auto ev = t.deliver(t.server.packet(
    serialize(tl::pong{int64_t(p.messages[0].msg_id), 42}), false));
  auto pong = only<pong_event>(ev);
  CHECK(pong.ping_id == 42);
  CHECK(pong.ping_msg_id == p.messages[0].msg_id);
  ev = t.deliver(t.server.packet(rpc_result_body(
    p.messages[1].msg_id, serialize(tl::pong{int64_t(p.messages[1].msg_id), 43}))));
  CHECK(only<pong_event>(ev).ping_id == 43);
  CHECK(t.client.pending_requests() == 0);
  // A ping sent as an ordinary call gets the bare pong as its result.
  const auto ping_call = serialize(tl::ping{46});
  t.client.invoke(9, ping_call);
  auto pc = t.flush();
  const auto pong_body = serialize(tl::pong{int64_t(pc.messages.at(0).msg_id), 46});
  ev = t.deliver(t.server.packet(pong_body, false));
  auto as_result = only<rpc_result_event>(ev);
  CHECK(as_result.token == 9);
  CHECK(as_result.body == byte_view{pong_body});
  CHECK(all_of<pong_event>(ev).empty());
  CHECK(!t.client.find(9));
  // A ping that never gets its pong can be given up.
  auto lost = t.client.ping(45);
  CHECK(lost >= internal_token_base);
  t.flush();
  CHECK(t.client.pending_requests() == 1);
  CHECK(t.client.forget(lost));
  CHECK(t.client.pending_requests() == 0);
  // A pong nobody asked for.
  ev = t.deliver(t.server.packet(serialize(tl::pong{4, 44}), false));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unknown_request);
}

TEST_CASE("msgs_ack marks requests delivered", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  t.client.invoke(2, call(2));
  auto p = t.flush();
  CHECK(!t.client.find(1)->acked);
  tl::msgs_ack ack;
  ack.msg_ids = {int64_t(p.messages[0].msg_id), 999};
  auto ev = t.deliver(t.server.packet(serialize(ack), false));
  CHECK(ev.empty());
  CHECK(t.client.find(1)->acked);
  CHECK(!t.client.find(2)->acked);
  CHECK(t.client.pending_acks() == 0);  // acks are not acked
}

TEST_CASE("future salts are stored and used when valid", "[session][flow][salts]") {
  rig t;
  t.client.request_future_salts(2);
  auto p = t.flush();
  CHECK(p.messages.at(0).body == serialize(tl::get_future_salts{2}));
  tl::future_salts fs;
  fs.req_msg_id = int64_t(p.header.msg_id);
  fs.now = int32_t(rig::t0);
  fs.salts = {{int32_t(rig::t0 - 10), int32_t(rig::t0 + 100), 0xaaa},
              {int32_t(rig::t0 + 90), int32_t(rig::t0 + 200), 0xbbb}};
  auto ev = t.deliver(t.server.packet(serialize(fs), false));
  CHECK(only<future_salts_event>(ev).count == 2);
  CHECK(t.client.pending_requests() == 0);

  t.client.invoke(1, call(1));
  CHECK(t.flush().header.salt == 0xaaa);
  t.clock.advance(95 * ns_per_second);
  t.client.invoke(2, call(2));
  CHECK(t.flush().header.salt == 0xbbb);
  auto saved = t.client.save();
  CHECK(saved.server_salt == 0xbbb);
  CHECK(saved.future_salts.size() == 2);  // both still valid at t0 + 95
  t.clock.advance(10 * ns_per_second);    // the first expires
  t.client.invoke(3, call(3));
  CHECK(t.flush().header.salt == 0xbbb);
  CHECK(t.client.save().future_salts.size() == 1);
}

TEST_CASE("msg_detailed_info: ack a known answer, request an unknown one",
          "[session][flow]") {
  rig t;
  uint64_t seen_id = 0;
  t.deliver(t.server.packet(fake_object(api_update), false, &seen_id));
  tl::msg_detailed_info known{1000, int64_t(seen_id), 64, 0};
  auto ev = t.deliver(t.server.packet(serialize(known), false));
  CHECK(ev.empty());
  auto p = t.flush();
  REQUIRE(p.messages.size() == 1);
  CHECK(acked_ids(p.messages[0].body) == std::vector<uint64_t>{seen_id});

  const uint64_t missing = seen_id + (uint64_t(1) << 20);
  tl::msg_new_detailed_info unknown{int64_t(missing), 64, 0};
  t.deliver(t.server.packet(serialize(unknown), false));
  auto q = t.flush();
  auto req = find_body(q, tl::msg_resend_req::id);
  REQUIRE(req);
  tl::reader r{req->body};
  auto rr = tl::msg_resend_req::read(r);
  CHECK(rr.msg_ids == std::vector<int64_t>{int64_t(missing)});
}

TEST_CASE("msgs_state_req from the server is answered automatically", "[session][flow]") {
  rig t;
  uint64_t got = 0;
  t.deliver(t.server.packet(fake_object(api_update), true, &got));
  const uint64_t never = got + 8;                                      // in range, not received
  const uint64_t ahead = got + (uint64_t(100) << 32);                  // 100 s ahead
  tl::msgs_state_req q;
  q.msg_ids = {int64_t(got), int64_t(never), int64_t(ahead)};
  uint64_t req_id = 0;
  t.deliver(t.server.packet(serialize(q), true, &req_id));
  auto p = t.flush();
  auto info_msg = find_body(p, tl::msgs_state_info::id);
  REQUIRE(info_msg);
  CHECK(info_msg->seqno % 2 == 1);
  tl::reader r{info_msg->body};
  auto info = tl::msgs_state_info::read(r);
  CHECK(uint64_t(info.req_msg_id) == req_id);
  CHECK(info.info == byte_buffer{4, 2, 3});
  CHECK(t.client.pending_requests() == 0);  // answers are fire-and-forget
}

TEST_CASE("msg_resend_req from the server resends the named request", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  tl::msg_resend_req q;
  q.msg_ids = {int64_t(p.header.msg_id), 5555};
  t.deliver(t.server.packet(serialize(q), true));
  auto r = t.flush();
  REQUIRE(r.container);  // the request and the ack of msg_resend_req
  CHECK(r.messages.at(0).body == call(1));
}

TEST_CASE("request_state asks about sent requests and reports the answer",
          "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  t.client.invoke(2, call(2));
  auto p = t.flush();
  t.client.invoke(3, call(3));  // queued, never sent: skipped
  CHECK(t.client.request_state({1, 2, 3, 77}) == 2);
  auto q = state_question_in(t.flush());
  REQUIRE(q.msg_id != 0);
  REQUIRE(q.about.size() == 2);
  CHECK(q.about[0] == p.messages[0].msg_id);
  CHECK(q.about[1] == p.messages[1].msg_id);

  auto ev = t.deliver(t.server.packet(state_answer(q, {4 | 32, 2}), true));
  auto st = all_of<msg_state_event>(ev);
  REQUIRE(st.size() == 2);
  CHECK(st[0].token == 1);
  CHECK(st[0].state.delivery == msg_delivery::received);
  CHECK(st[0].state.processing);
  CHECK(st[1].token == 2);
  CHECK(st[1].state.safe_to_resend());
  // The caller decides: resend 2, forget 1.
  CHECK(t.client.resend(2));
  CHECK(t.client.forget(1));
  CHECK(!t.client.forget(1));
  auto s = t.flush();
  bool has2 = false;
  for (auto& m : s.messages)
    has2 |= m.body == call(2);
  CHECK(has2);
  CHECK(t.client.request_state({}) == 0);
}

TEST_CASE("drop_answer sends rpc_drop_answer and reports the outcome", "[session][flow]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  CHECK(t.client.drop_answer(1));
  CHECK(!t.client.drop_answer(1));
  auto q = t.flush();
  auto drop = find_body(q, tl::rpc_drop_answer::id);
  REQUIRE(drop);
  CHECK(drop->body == serialize(tl::rpc_drop_answer{int64_t(p.header.msg_id)}));

  auto ev = t.deliver(t.server.packet(
    rpc_result_body(drop->msg_id, serialize(tl::rpc_answer_dropped_running{}))));
  auto d = only<drop_answer_event>(ev);
  CHECK(d.token == 1);
  CHECK(d.outcome == drop_outcome::dropped_running);
  // The late answer of the dropped request is not delivered.
  ev = t.deliver(t.server.packet(rpc_result_body(p.header.msg_id, fake_object(api_answer))));
  CHECK(all_of<rpc_result_event>(ev).empty());
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unknown_request);

  // A request never sent is simply removed.
  t.client.invoke(2, call(2));
  CHECK(t.client.drop_answer(2));
  CHECK(t.client.queued_messages() == 0);
}

TEST_CASE("destroy_session results are reported", "[session][flow]") {
  rig t;
  t.client.destroy_session(0xdead);
  auto p = t.flush();
  CHECK(p.messages.at(0).body == serialize(tl::destroy_session{0xdead}));
  auto ev = t.deliver(t.server.packet(serialize(tl::destroy_session_ok{0xdead}), false));
  auto d = only<destroy_session_event>(ev);
  CHECK(d.session_id == 0xdead);
  CHECK(d.existed);
  CHECK(t.client.pending_requests() == 0);
  t.client.destroy_session(0xbeef);
  auto q = t.flush();
  ev = t.deliver(t.server.packet(
    rpc_result_body(q.header.msg_id, serialize(tl::destroy_session_none{0xbeef}))));
  CHECK(!only<destroy_session_event>(ev).existed);
  CHECK(t.client.pending_requests() == 0);
}

TEST_CASE("service messages never surface as updates", "[session][flow]") {
  rig t;
  std::vector<byte_buffer> service = {
    serialize(tl::msgs_all_info{{1, 2}, {1, 1}}),
    serialize(tl::ping{5}),
    serialize(tl::future_salt{1, 2, 3}),
    serialize(tl::rpc_answer_unknown{}),
    serialize(tl::http_wait{1, 2, 3}),
  };
  for (auto& b : service) {
    auto ev = t.deliver(t.server.packet(b, false));
    CHECK(all_of<update_event>(ev).empty());
  }
  // msg_copy and a nested container are refused (the whole outer container
  // is malformed then: containers cannot nest).
  byte_buffer nested;
  {
    tl::container_writer c{nested};
    c.add(1, 1, fake_object(api_update));
    c.finish();
  }
  auto ev = t.deliver(t.server.container({{nested, false}, {fake_object(api_update), true}}));
  CHECK(all_of<update_event>(ev).empty());
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::malformed);
  byte_buffer copy = fake_object(tl::msg_copy_id, 6);
  ev = t.deliver(t.server.packet(copy, false));
  CHECK(all_of<update_event>(ev).empty());
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unexpected);
}

TEST_CASE("save and restore continue the same session", "[session][flow][state]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  t.deliver(t.server.packet(rpc_result_body(p.header.msg_id, fake_object(api_answer))));
  auto st = t.client.save();
  CHECK(st.session_id == t.client.session_id());
  CHECK(st.seqno == 1);
  CHECK(st.last_msg_id == p.header.msg_id);
  auto bytes = serialize_session_state(st);

  // A reconnect (or restart) at the same instant: ids must still grow.
  client_session again{parse_session_state(bytes), t.clock, t.random};
  CHECK(again.session_id() == t.client.session_id());
  again.invoke(2, call(2));
  byte_buffer out;
  REQUIRE(again.next_packet(out));
  auto q = t.server.read(out);
  CHECK(q.header.session_id == p.header.session_id);
  CHECK(q.header.msg_id > p.header.msg_id);
  CHECK(q.header.seqno == 3);
  CHECK(q.header.salt == p.header.salt);
}

TEST_CASE("bad inner messages are reported, the rest of the container is processed",
          "[session][flow][malformed]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  byte_buffer body;
  tl::container_writer c{body};
  const uint64_t base = t.server.next_id();
  c.add(int64_t(base + 4), 1, byte_buffer{0x01, 0x6d, 0x5c, 0xf3});           // truncated rpc_result
  c.add(int64_t(base + 7), 1, fake_object(api_update));                       // even id
  c.add(int64_t(base + 12), 1, fake_object(tl::msgs_ack::id, 1));             // broken msgs_ack
  c.add(int64_t(base + 16), 1, rpc_result_body(p.header.msg_id, fake_object(api_answer)));
  c.finish();
  auto ev = t.deliver(t.server.packet_with_id(base + 20, 2, body));
  auto ign = all_of<message_ignored_event>(ev);
  REQUIRE(ign.size() == 3);
  CHECK(ign[0].reason == ignore_reason::malformed);
  CHECK(ign[1].reason == ignore_reason::even_msg_id);
  CHECK(ign[2].reason == ignore_reason::malformed);
  CHECK(!ign[0].detail.empty());
  CHECK(only<rpc_result_event>(ev).token == 1);

  // A container whose structure is broken is one malformed message.
  byte_buffer broken = fake_object(tl::msg_container_id, 1);
  store_le32(broken.data() + 4, 5);  // claims 5 items
  ev = t.deliver(t.server.packet(broken, false));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::malformed);
  // An empty body is malformed, not a crash.
  ev = t.deliver(t.server.raw([&] {
    byte_buffer plain(plaintext_header_size);
    write_plaintext_header(plain.data(), {1, t.client.session_id(), t.server.next_id(), 1, 0});
    return plain;
  }(), 16));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::malformed);
}
