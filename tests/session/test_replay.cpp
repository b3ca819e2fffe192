// Replays across connections: the window of seen server msg_ids is part of
// the saved session (and bounded there), notices that correct the clock,
// salt or seqno must name a msg_id this session really sent recently, and a
// container's own msg_id passes the same checks as any message.
#include "session_test_support.hpp"

#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace session_test;

namespace {

constexpr uint32_t api_call = 0x0badf00d;
constexpr uint32_t api_update = 0x74ae4240;

byte_buffer call(uint8_t n) { return fake_object(api_call, 2, n); }

// The client of `t` continued from its saved state, as the next connection
// of the session (or the next run) builds it.
client_session restored(rig& t) {
  return client_session{parse_session_state(serialize_session_state(t.client.save())), t.clock,
                        t.random};
}

std::vector<event> feed(client_session& c, byte_view packet) {
  std::vector<event> ev;
  c.on_packet(packet, ev);
  return ev;
}

uint64_t fnv1a64(byte_view data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : data) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace

TEST_CASE("replay: an update seen before a reconnect is a duplicate after it",
          "[session][replay]") {
  rig t;
  uint64_t update_id = 0;
  auto update = t.server.packet(fake_object(api_update), true, &update_id);
  CHECK(all_of<update_event>(t.deliver(update)).size() == 1);

  auto saved = t.client.save();
  CHECK(std::find(saved.seen_msg_ids.begin(), saved.seen_msg_ids.end(), update_id)
        != saved.seen_msg_ids.end());
  // Through the saved bytes (a restart) and directly (a reconnect).
  client_session next = restored(t);
  auto ev = feed(next, update);
  CHECK(all_of<update_event>(ev).empty());
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::duplicate);
  client_session direct{saved, t.clock, t.random};
  CHECK(all_of<update_event>(feed(direct, update)).empty());

  // New messages still get through on the continued session.
  auto fresh = t.server.packet(fake_object(api_update));
  CHECK(all_of<update_event>(feed(next, fresh)).size() == 1);
}

TEST_CASE("replay: a container seen before a reconnect is not read again",
          "[session][replay]") {
  rig t;
  auto pkt = t.server.container({{fake_object(api_update), true}, {fake_object(api_update), true}});
  CHECK(all_of<update_event>(t.deliver(pkt)).size() == 2);
  client_session next = restored(t);
  auto ev = feed(next, pkt);
  CHECK(all_of<update_event>(ev).empty());
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::duplicate);
}

TEST_CASE("saved state: version 1 (no window) still loads, the window is bounded",
          "[session][replay][state]") {
  test_random rnd{5};
  auto s = session_state::fresh(test_key(4), 0x77, rnd);
  s.time_synced = true;
  s.seqno = 12;
  s.last_msg_id = 0x5e308b91ad33fdc4ull;

  // A version 1 file, as written before the window was saved.
  byte_buffer v1;
  tl::writer w{v1};
  w.write_uint32(0x5353544d);
  w.write_uint32(1);
  w.write_raw(s.auth_key);
  w.write_uint64(s.session_id);
  w.write_uint64(s.server_salt);
  w.write_int64(s.time_offset_ns);
  w.write_uint32(1);
  w.write_uint32(s.seqno);
  w.write_uint64(s.last_msg_id);
  w.write_uint32(0);
  w.write_uint64(fnv1a64(v1));
  auto old = parse_session_state(v1);
  CHECK(old == s);
  CHECK(old.seen_msg_ids.empty());

  // The newest max_saved_seen_ids ids are written, ascending.
  auto big = s;
  for (uint64_t i = 0; i < max_saved_seen_ids + 100; ++i)
    big.seen_msg_ids.push_back(((0x5e308b9100000000ull + (i << 4)) | 1));
  auto back = parse_session_state(serialize_session_state(big));
  REQUIRE(back.seen_msg_ids.size() == max_saved_seen_ids);
  CHECK(back.seen_msg_ids.front() == big.seen_msg_ids[100]);
  CHECK(back.seen_msg_ids.back() == big.seen_msg_ids.back());

  // A file claiming more ids, or ids out of order, is refused by name.
  auto bad_count = [&](uint32_t n, std::vector<uint64_t> ids) {
    byte_buffer b = serialize_session_state(s);  // empty window: count at size - 12
    b.resize(b.size() - 12);
    tl::writer bw{b};
    bw.write_uint32(n);
    for (auto id : ids)
      bw.write_uint64(id);
    bw.write_uint64(fnv1a64(b));
    try {
      parse_session_state(b);
    } catch (const session_error& e) {
      CHECK(e.code() == session_errc::bad_state);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(bad_count(1, {0x5e308b9100000011ull}) == "accepted");
  std::vector<uint64_t> too_many(big.seen_msg_ids.begin(),
                                 big.seen_msg_ids.begin() + max_saved_seen_ids + 1);
  CHECK(bad_count(uint32_t(too_many.size()), too_many).find("at most 4096") != std::string::npos);
  CHECK(bad_count(2, {0x5e308b9100000011ull, 0x5e308b9100000001ull}).find("ascending")
        != std::string::npos);
  CHECK(bad_count(1, {0x5e308b9100000010ull}).find("odd") != std::string::npos);
}

TEST_CASE("bad_msg_notification must name a msg_id we sent recently, once",
          "[session][replay][time]") {
  rig t;
  const int64_t offset0 = t.client.time_offset_ns();
  t.client.invoke(1, call(1));
  auto p = t.flush();

  // The server's clock is ahead: a 17 that is not about anything we sent
  // (a forgery would need the key, a replay does not) changes nothing.
  t.clock.advance(ns_per_second);
  tl::bad_msg_notification stray{int64_t(p.header.msg_id + 4), int32_t(p.header.seqno), 17};
  auto ev = t.deliver(t.server.packet(serialize(stray), false));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unknown_request);
  CHECK(all_of<time_corrected_event>(ev).empty());
  CHECK(t.client.time_offset_ns() == offset0);

  // The real one is applied, once: a second notice about the same msg_id
  // (a fresh packet, so the replay window does not catch it) is not.
  tl::bad_msg_notification real{int64_t(p.header.msg_id), int32_t(p.header.seqno), 17};
  t.clock.advance(2 * ns_per_second);
  auto recorded = t.server.packet(serialize(real), false);
  t.clock.advance(-3 * ns_per_second);  // our clock runs 3 s behind the server's from here on
  ev = t.deliver(recorded);
  CHECK(only<time_corrected_event>(ev).resent == 1);
  const int64_t corrected = t.client.time_offset_ns();
  CHECK(corrected != offset0);

  t.clock.advance(3600 * ns_per_second);
  ev = t.deliver(t.server.packet(serialize(real), false));
  CHECK(all_of<time_corrected_event>(ev).empty());
  CHECK(t.client.time_offset_ns() == corrected);
  // The recorded packet itself, an hour later, on the next connection.
  client_session next = restored(t);
  ev = feed(next, recorded);
  CHECK(all_of<time_corrected_event>(ev).empty());
  CHECK(next.time_offset_ns() == corrected);
}

TEST_CASE("a withheld bad_msg 17 delivered after the sent window is ignored",
          "[session][replay][time]") {
  rig t;
  t.client.invoke(1, call(1));
  auto p = t.flush();
  tl::bad_msg_notification bmn{int64_t(p.header.msg_id), int32_t(p.header.seqno), 17};
  auto held = t.server.packet(serialize(bmn), false);
  const int64_t offset0 = t.client.time_offset_ns();
  // An hour later the notice would set the clock an hour back. Time
  // notices are exempt from the time window (a client with a wrong clock
  // must read them): only the sent log's age limit stops this one.
  t.clock.advance(3600 * ns_per_second);
  auto ev = t.deliver(held);
  CHECK(all_of<time_corrected_event>(ev).empty());
  CHECK(t.client.time_offset_ns() == offset0);
}

TEST_CASE("bad_server_salt must name a msg_id we sent recently, once",
          "[session][replay]") {
  rig t;
  const uint64_t salt0 = t.client.server_salt();
  t.client.invoke(1, call(1));
  auto p = t.flush();
  tl::bad_server_salt stray{int64_t(p.header.msg_id - 4), int32_t(p.header.seqno), 48, 0x1111};
  auto ev = t.deliver(t.server.packet(serialize(stray), false));
  CHECK(only<message_ignored_event>(ev).reason == ignore_reason::unknown_request);
  CHECK(t.client.server_salt() == salt0);
  CHECK(!t.client.has_output());  // nothing resent either

  tl::bad_server_salt real{int64_t(p.header.msg_id), int32_t(p.header.seqno), 48, 0x2222};
  ev = t.deliver(t.server.packet(serialize(real), false));
  CHECK(only<salt_changed_event>(ev).resent == 1);
  CHECK(t.client.server_salt() == 0x2222);
  // Named again (a second packet): the salt stays.
  tl::bad_server_salt again{int64_t(p.header.msg_id), int32_t(p.header.seqno), 48, 0x3333};
  ev = t.deliver(t.server.packet(serialize(again), false));
  CHECK(all_of<salt_changed_event>(ev).empty());
  CHECK(t.client.server_salt() == 0x2222);
}

TEST_CASE("a container's own msg_id and seqno are checked", "[session][replay]") {
  rig t;
  auto container_of = [&](uint64_t container_id, uint32_t seqno,
                          const std::vector<byte_buffer>& bodies) {
    byte_buffer body;
    tl::container_writer c{body};
    for (auto& b : bodies)
      c.add(int64_t(t.server.next_id()), 1, b);
    c.finish();
    return t.server.packet_with_id(container_id, seqno, body);
  };
  auto at = [&](int64_t seconds_from_now) {
    return (msg_id_from_time_ns(t.clock.unix_time_ns() + seconds_from_now * ns_per_second)
            & ~uint64_t(3)) | 3;
  };

  SECTION("a content-related (odd) seqno") {
    auto ev = t.deliver(container_of(at(0), 3, {fake_object(api_update)}));
    CHECK(all_of<update_event>(ev).empty());
    CHECK(only<message_ignored_event>(ev).reason == ignore_reason::malformed);
  }
  SECTION("outside the time window: only time notices inside are read") {
    t.client.invoke(1, call(1));
    auto p = t.flush();
    tl::bad_server_salt bss{int64_t(p.header.msg_id), int32_t(p.header.seqno), 48, 0x4444};
    for (int64_t off : {int64_t(-400), int64_t(40)}) {
      auto ev = t.deliver(container_of(at(off), 2, {fake_object(api_update)}));
      CHECK(all_of<update_event>(ev).empty());
      CHECK(only<message_ignored_event>(ev).reason
            == (off < 0 ? ignore_reason::too_old : ignore_reason::too_new));
    }
    auto ev = t.deliver(container_of(at(-400), 2, {fake_object(api_update), serialize(bss)}));
    CHECK(all_of<update_event>(ev).empty());
    CHECK(only<salt_changed_event>(ev).salt == 0x4444);
  }
  SECTION("the same container id twice, with new items") {
    const uint64_t id = at(0);
    CHECK(all_of<update_event>(t.deliver(container_of(id, 2, {fake_object(api_update)}))).size()
          == 1);
    auto ev = t.deliver(container_of(id, 2, {fake_object(api_update)}));
    CHECK(all_of<update_event>(ev).empty());
    CHECK(only<message_ignored_event>(ev).reason == ignore_reason::duplicate);
  }
}

TEST_CASE("state built by hand with an absurd clock offset cannot overflow msg_ids",
          "[session][state][time]") {
  // Loaders refuse such offsets (parse_session_state, session files); a
  // session_state filled in by hand is clamped to the same bound, so the
  // msg_id arithmetic stays defined (run under UBSan in CI).
  for (int64_t offset : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                         max_time_offset_ns, -max_time_offset_ns}) {
    INFO("offset " << offset);
    rig t;
    auto st = t.client.save();
    st.time_offset_ns = offset;
    client_session c{st, t.clock, t.random};
    CHECK(time_offset_in_range(c.time_offset_ns()));
    c.invoke(1, call(1));
    byte_buffer out;
    REQUIRE(c.next_packet(out));
    auto p = t.server.read(out);
    CHECK(p.header.msg_id % 4 == 0);
    CHECK(p.header.msg_id > 0);
    // And it survives a save and a parse: the clamped value is in range.
    CHECK_NOTHROW(parse_session_state(serialize_session_state(c.save())));
  }
}
