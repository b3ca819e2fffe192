// The small parts of the session: msg_ids, seqnos, padding, the plaintext
// layout, salts, the replay window, msgs_state_info bytes, saved state.
#include "session_test_support.hpp"

#include "mtsender/transport/session/msg_state.hpp"
#include "mtsender/transport/session/padding.hpp"
#include "mtsender/transport/session/plaintext.hpp"
#include "mtsender/transport/session/replay_window.hpp"
#include "mtsender/transport/session/salts.hpp"
#include "mtsender/transport/session/session_error.hpp"
#include "mtsender/transport/session/session_state.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <set>
#include <vector>

using namespace session_test;

TEST_CASE("msg_id encodes server time and the sender kind", "[session][msg_id]") {
  // 1.5 s after the epoch second 1'700'000'000: fraction 0.5 -> 2^31.
  const int64_t t = 1'700'000'000 * ns_per_second + ns_per_second / 2;
  CHECK(msg_id_from_time_ns(t) == (uint64_t(1'700'000'000) << 32 | 0x80000000u));
  CHECK(msg_id_seconds(msg_id_from_time_ns(t)) == 1'700'000'000);
  CHECK(std::llabs(msg_id_time_ns(msg_id_from_time_ns(t)) - t) <= 1);
  CHECK(msg_id_from_time_ns(-5) == 0);

  msg_id_generator client{msg_id_kind::client};
  msg_id_generator answers{msg_id_kind::server_response};
  msg_id_generator notices{msg_id_kind::server_notice};
  uint64_t prev = 0;
  for (int i = 0; i < 1000; ++i) {
    // The same instant over and over: ids must still strictly increase.
    auto id = client.next(t);
    CHECK(id % 4 == 0);
    CHECK(id > prev);
    CHECK((id & 0xffffffffu) != 0);
    prev = id;
    CHECK(answers.next(t) % 4 == 1);
    CHECK(notices.next(t) % 4 == 3);
  }
}

TEST_CASE("msg_id low 32 bits are never zero and the offset applies", "[session][msg_id]") {
  msg_id_generator g;
  // Exactly on a second: the fraction is 0, so the id must move off it.
  auto id = g.next(1'600'000'000 * ns_per_second);
  CHECK((id & 0xffffffffu) != 0);
  CHECK(msg_id_seconds(id) == 1'600'000'000);

  g.set_time_offset_ns(3600 * ns_per_second);
  CHECK(msg_id_seconds(g.next(1'600'000'000 * ns_per_second)) == 1'600'003'600);

  // sync_to: the server's msg_id says it is 1'600'000'100 when we think 1'600'000'000.
  const uint64_t server_id = (uint64_t(1'600'000'100) << 32) | 1;
  g.sync_to(server_id, 1'600'000'000 * ns_per_second);
  CHECK(std::llabs(g.time_offset_ns() - 100 * ns_per_second) < 2);

  // Offsets beyond 2^31 s either way are clamped, from a server id or set.
  g.sync_to(uint64_t(0xffffffff) << 32, 0);
  CHECK(g.time_offset_ns() == max_time_offset_ns);
  g.set_time_offset_ns(INT64_MIN);
  CHECK(g.time_offset_ns() == -max_time_offset_ns);

  // Ids never go back, even when the clock (or the offset) does.
  const uint64_t before = g.next(1'600'000'000 * ns_per_second);
  g.set_time_offset_ns(-7200 * ns_per_second);
  CHECK(g.next(1'600'000'000 * ns_per_second) > before);
}

TEST_CASE("seqno: content-related messages are odd and count", "[session][seqno]") {
  seqno_counter s;
  CHECK(s.next(false) == 0);
  CHECK(s.next(true) == 1);
  CHECK(s.next(true) == 3);
  CHECK(s.next(false) == 4);
  CHECK(s.next(false) == 4);
  CHECK(s.next(true) == 5);
  CHECK(s.content_sent() == 3);
  s.shift(64);
  CHECK(s.next(true) == 2 * 67 + 1);
  s.shift(-1000);  // clamped at zero, never wraps
  CHECK(s.next(false) == 0);
}

TEST_CASE("padding: 12..1024 bytes, total a multiple of 16", "[session][padding]") {
  for (size_t len = 0; len < 200; ++len) {
    for (int draw = 0; draw < 256; ++draw) {
      auto p = padding_size(len, padding_policy{}, uint8_t(draw));
      CHECK((len + p) % 16 == 0);
      CHECK(p >= 12);
      CHECK(p <= 27);  // the default policy is the shortest choice
      auto q = padding_size(len, padding_policy::full_range(), uint8_t(draw));
      CHECK((len + q) % 16 == 0);
      CHECK(q >= 12);
      CHECK(q <= 1024);
    }
  }
  // The full range reaches far: some draw gives > 900 bytes.
  size_t most = 0;
  for (int draw = 0; draw < 256; ++draw)
    most = std::max(most, padding_size(48, padding_policy::full_range(), uint8_t(draw)));
  CHECK(most > 900);

  test_random rnd{5};
  byte_buffer buf(45, 1);
  auto n = append_padding(buf, rnd, padding_policy{});
  CHECK(n == 19);
  CHECK(buf.size() == 64);
}

TEST_CASE("plaintext layout round trip and its length checks", "[session][plaintext]") {
  byte_buffer plain(plaintext_header_size);
  byte_buffer body = fake_object(0x12345678, 3);
  plain.insert(plain.end(), body.begin(), body.end());
  message_header h{1, 2, 3, 5, uint32_t(body.size())};
  write_plaintext_header(plain.data(), h);
  plain.resize(plain.size() + 16, 0);  // 16 bytes of padding
  auto m = parse_plaintext(plain);
  CHECK(m.header.salt == 1);
  CHECK(m.header.session_id == 2);
  CHECK(m.header.msg_id == 3);
  CHECK(m.header.seqno == 5);
  CHECK(m.body == byte_view{body});

  auto code_of = [](byte_view p) {
    try {
      parse_plaintext(p);
    } catch (const session_error& e) {
      return int(e.code());
    }
    return 0;
  };
  // Too short for header + minimal padding.
  CHECK(code_of(byte_view{plain.data(), 40}) == int(session_errc::bad_message_length));
  // Length not a multiple of 4.
  auto bad = plain;
  store_le32(bad.data() + 28, 17);
  CHECK(code_of(bad) == int(session_errc::bad_message_length));
  // Length past the end (also the huge values an attacker would pick).
  for (uint32_t len : {uint32_t(plain.size()), 0xfffffffcu, 0x80000000u}) {
    store_le32(bad.data() + 28, len);
    CHECK(code_of(bad) == int(session_errc::bad_message_length));
  }
  // Padding below 12: the length claims all but 8 bytes.
  store_le32(bad.data() + 28, uint32_t(plain.size() - 32 - 8));
  CHECK(code_of(bad) == int(session_errc::bad_padding));
  // Padding above 1024.
  byte_buffer big(32 + 16 + 1040, 0);
  store_le32(big.data() + 28, 16);
  CHECK(code_of(big) == int(session_errc::bad_padding));
  store_le32(big.data() + 28, 16 + 16);  // exactly 1024 of padding is fine
  CHECK(code_of(big) == 0);
}

TEST_CASE("salt store: switches by validity, set_current drops the list", "[session][salts]") {
  salt_store s{100};
  CHECK(s.current(1000) == 100);
  s.add_future({{1000, 2000, 1}, {1900, 3000, 2}, {2900, 4000, 3}, {50, 40, 9}});
  CHECK(s.future().size() == 3);  // the inverted window was rejected
  CHECK(s.current(1500) == 1);
  CHECK(s.current(1950) == 2);   // newest valid wins
  CHECK(s.usable_count(1950) == 3);
  CHECK(s.usable_count(3500) == 1);
  CHECK(s.current(3500) == 3);
  CHECK(s.future().size() == 1);  // expired ones were dropped
  CHECK(s.current(5000) == 3);    // nothing valid: keep the last
  s.add_future({{6000, 7000, 4}});
  s.add_future({{6000, 7000, 4}});  // duplicates are skipped
  CHECK(s.future().size() == 1);
  s.set_current(77);
  CHECK(s.future().empty());
  CHECK(s.current(6500) == 77);
}

TEST_CASE("replay window: duplicates, out of order, too old", "[session][replay]") {
  replay_window w{1000};
  using v = replay_window::verdict;
  for (uint64_t i = 1; i <= 1000; ++i)
    CHECK(w.insert(i * 4 + 1) == v::fresh);
  CHECK(w.full());
  CHECK(w.insert(5 * 4 + 1) == v::duplicate);
  CHECK(w.insert(2000 * 4 + 1) == v::fresh);   // evicts id 5
  CHECK(w.insert(1 * 4 + 1) == v::too_old);    // below the window
  CHECK(w.insert(500 * 4 + 3) == v::fresh);    // out of order, inside the window
  CHECK(w.insert(500 * 4 + 3) == v::duplicate);
  CHECK(w.contains(2000 * 4 + 1));
  CHECK(!w.contains(1 * 4 + 1));
  CHECK(w.size() == 1000);
  // Every one of the last 1000 is still recognized.
  for (uint64_t i = 1001; i <= 1200; ++i)
    w.insert(i * 4 + 1);
  size_t dup = 0;
  for (uint64_t i = 400; i <= 1200; ++i)
    dup += w.insert(i * 4 + 1) == v::duplicate;
  CHECK(dup == 1200 - 400 + 1);
}

TEST_CASE("replay window: ids a few places out of order agree with a sorted-set model", "[session][replay]") {
  // Inserts land just below the newest ids (a container's id before its
  // messages' lower ones), at the edge of the window's short backward scan
  // and far below it; every verdict and the contents match a plain model.
  replay_window w{64};
  std::set<uint64_t> model;
  using v = replay_window::verdict;
  std::mt19937_64 rng{42};
  uint64_t top = 1000;
  for (int i = 0; i < 20000; ++i) {
    uint64_t id;
    switch (rng() % 4) {
      case 0: id = top += 1 + rng() % 8; break;              // newest
      case 1: id = top - rng() % 8; break;                   // a few places back
      case 2: id = top - rng() % 80; break;                  // deep, maybe too old
      default: id = model.empty() ? top : *std::next(model.begin(), long(rng() % model.size()));
    }
    v expect;
    if (model.count(id) != 0)
      expect = v::duplicate;
    else if (model.size() >= 64 && id < *model.begin())
      expect = v::too_old;
    else
      expect = v::fresh;
    REQUIRE(w.insert(id) == expect);
    if (expect == v::fresh) {
      model.insert(id);
      if (model.size() > 64)
        model.erase(model.begin());
    }
    REQUIRE(w.ids() == std::vector<uint64_t>(model.begin(), model.end()));
  }
}

TEST_CASE("msgs_state_info status bytes", "[session][msg_state]") {
  CHECK(decode_msg_state(1).delivery == msg_delivery::unknown);
  CHECK(!decode_msg_state(1).safe_to_resend());
  CHECK(decode_msg_state(2).safe_to_resend());
  CHECK(decode_msg_state(3).safe_to_resend());
  auto s = decode_msg_state(4 | 8 | 32 | 64);
  CHECK(s.delivery == msg_delivery::received);
  CHECK(s.ack_received);
  CHECK(s.processing);
  CHECK(s.answer_generated);
  CHECK(!s.known_received);
  CHECK(!s.safe_to_resend());
  CHECK(decode_msg_state(4 | 128).known_received);
  CHECK(decode_msg_state(0).delivery == msg_delivery::invalid);
  CHECK(decode_msg_state(7).delivery == msg_delivery::invalid);
  CHECK(describe(decode_msg_state(4 | 32 | 64)) == "received, answer generated");
  CHECK(describe(decode_msg_state(4 | 32)) == "received, running");
  CHECK(describe(decode_msg_state(4)) == "received");
  CHECK(describe(decode_msg_state(2)) == "not received");
  CHECK(describe(decode_msg_state(3)) == "not received");
  CHECK(describe(decode_msg_state(1)).find("nothing known") == 0);
  CHECK(describe(decode_msg_state(0)).find("no usable state") == 0);
}

TEST_CASE("session state: serialize, parse, reject damage", "[session][state]") {
  test_random rnd{9};
  auto s = session_state::fresh(test_key(3), 0xabcdef, rnd);
  s.future_salts = {{10, 20, 30}, {20, 40, 50}};
  s.time_offset_ns = -123456789;
  s.time_synced = true;
  s.seqno = 77;
  s.last_msg_id = 0x5e308b91ad33fdc4ull;
  auto bytes = serialize_session_state(s);
  auto back = parse_session_state(bytes);
  CHECK(back == s);

  auto code_of = [](byte_view b) -> int {
    try {
      parse_session_state(b);
    } catch (const session_error& e) {
      return int(e.code());
    }
    return 0;
  };
  // Every truncation, every single flipped bit, and extra bytes are refused.
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK(code_of(byte_view{bytes.data(), n}) == int(session_errc::bad_state));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      auto bad = bytes;
      bad[i] ^= uint8_t(1 << bit);
      CHECK(code_of(bad) == int(session_errc::bad_state));
    }
  }
  auto longer = bytes;
  longer.push_back(0);
  CHECK(code_of(longer) == int(session_errc::bad_state));
  // A future version is named in the message.
  auto v3 = bytes;
  store_le32(v3.data() + 4, 3);
  try {
    parse_session_state(v3);
    FAIL("version 3 accepted");
  } catch (const session_error& e) {
    CHECK(std::string(e.what()).find("version 3") != std::string::npos);
  }
  // The checksum only catches accidents: a well-formed file with an absurd
  // clock offset would overflow every msg_id computation (signed overflow).
  for (int64_t offset : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                         int64_t(1) << 62}) {
    auto odd = s;
    odd.time_offset_ns = offset;
    try {
      parse_session_state(serialize_session_state(odd));
      FAIL("time offset " << offset << " accepted");
    } catch (const session_error& e) {
      CHECK(e.code() == session_errc::bad_state);
      CHECK(std::string(e.what()).find("time_offset_ns") != std::string::npos);
    }
  }
  // A large but sane offset (a clock off by ten years) is kept.
  auto skewed = s;
  skewed.time_offset_ns = -10 * 365 * 86400 * ns_per_second;
  CHECK(parse_session_state(serialize_session_state(skewed)) == skewed);
}
