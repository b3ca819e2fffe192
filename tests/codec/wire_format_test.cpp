// Byte-exact wire formats from public sources, and what each framing does
// with malformed input.
#include "codec_helpers.hpp"

#include "mtsender/transport/crypto/crc32.hpp"
#include "mtsender/transport/hex.hpp"

using namespace codec_test;

namespace {

byte_buffer counting_bytes(size_t n) {
  byte_buffer b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = uint8_t(i & 0xff);
  return b;
}

std::unique_ptr<frame_codec> client_of(framing k, random_source& rng, size_t max = default_max_frame_size) {
  codec_options o;
  o.kind = k;
  o.max_frame_size = max;
  return make_client_codec(o, rng);
}

frame_errc error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const frame_error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).size() > 10);
    return e.code();
  }
  FAIL("no frame_error thrown");
  return frame_errc::bad_header;
}

// The server-side codec for framing `k`, already past the preamble.
std::unique_ptr<frame_codec> server_of(framing k, random_source& rng, size_t max = default_max_frame_size) {
  framing_detector det(rng, max);
  switch (k) {
    case framing::abridged: return det.feed(from_hex("ef"));
    case framing::intermediate: return det.feed(from_hex("eeeeeeee"));
    case framing::padded_intermediate: return det.feed(from_hex("dddddddd"));
    default: break;
  }
  FAIL("no server_of for this framing");
  return nullptr;
}

} // namespace

TEST_CASE("abridged wire format matches grammers' tests", "[codec][wire]") {
  // grammers-mtproto src/transport/abridged.rs, tests pack_normal and
  // pack_large: 128 bytes -> ef 20 ‖ data; 1024 bytes -> ef 7f 00 01 00 ‖ data.
  seeded_random rng(1);
  auto c = client_of(framing::abridged, rng);
  byte_buffer out;
  c->encode(counting_bytes(128), out);
  CHECK(to_hex(byte_view(out).sub(0, 2)) == "ef20");
  CHECK(byte_view(out).sub(2) == byte_view(counting_bytes(128)));
  out.clear();
  c->encode(counting_bytes(1024), out);  // no second tag
  CHECK(to_hex(byte_view(out).sub(0, 4)) == "7f000100");
  CHECK(out.size() == 4 + 1024);
}

TEST_CASE("abridged quick-ack bits follow core.telegram.org/mtproto/mtproto-transports",
          "[codec][wire][quick_ack]") {
  // "(length >> 2) | (1 << 7)" for short packets, 0xff then 3 length bytes
  // for long ones; the server "sends quick ACK tokens by bswapping them".
  seeded_random rng(2);
  auto c = client_of(framing::abridged, rng);
  byte_buffer out;
  c->encode(counting_bytes(8), out, true);
  CHECK(to_hex(byte_view(out).sub(0, 2)) == "ef82");
  out.clear();
  c->encode(counting_bytes(1024), out, true);
  CHECK(to_hex(byte_view(out).sub(0, 4)) == "ff000100");
  auto s = server_of(framing::abridged, rng);
  out.clear();
  s->encode_quick_ack(0x81223344, out);
  CHECK(to_hex(out) == "81223344");
  c->feed(out);
  auto got = drain(*c);
  REQUIRE(got.size() == 1);
  CHECK(got[0].token == 0x81223344u);
}

TEST_CASE("intermediate wire format: tag, LE length, quick-ack bit", "[codec][wire]") {
  // core.telegram.org/mtproto/mtproto-transports#intermediate: 0xeeeeeeee
  // once, then a 4-byte little-endian length; the quick-ack request sets its
  // most significant bit; the server's quick ack is the bare token.
  seeded_random rng(3);
  auto c = client_of(framing::intermediate, rng);
  byte_buffer out;
  c->encode(from_hex("0102030405060708"), out);
  CHECK(to_hex(out) == "eeeeeeee080000000102030405060708");
  out.clear();
  c->encode(from_hex("01020304"), out, true);
  CHECK(to_hex(out) == "0400008001020304");
  auto s = server_of(framing::intermediate, rng);
  out.clear();
  s->encode_quick_ack(0x01020304, out);
  CHECK(to_hex(out) == "04030281");
}

TEST_CASE("padded intermediate: padding from the injected random source, counted in the length",
          "[codec][wire]") {
  // core.telegram.org/mtproto/mtproto-transports#padded-intermediate:
  // 0xdddddddd, then length (payload + 0..15 random bytes) ‖ payload ‖ padding.
  seeded_random fallback(4);
  scripted_random rng(fallback);
  rng.push({0x25, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5});  // 0x25 % 16 = 5 padding bytes
  rng.push({0x30});                                  // 0x30 % 16 = 0
  auto c = client_of(framing::padded_intermediate, rng);
  byte_buffer out;
  c->encode(from_hex("01020304"), out);
  CHECK(to_hex(out) == "dddddddd0900000001020304a1a2a3a4a5");
  out.clear();
  c->encode(from_hex("01020304"), out);
  CHECK(to_hex(out) == "0400000001020304");
  CHECK(rng.remaining() == 0);
}

TEST_CASE("full wire format matches grammers' tests", "[codec][wire]") {
  // grammers-mtproto src/transport/full.rs, tests pack_normal / pack_twice:
  // 128 counting bytes -> len 140, seq 0, data, crc 86 73 95 37; the second
  // frame has seq 1 and crc 96 09 f0 4a.
  seeded_random rng(5);
  auto c = client_of(framing::full, rng);
  auto data = counting_bytes(128);
  byte_buffer out;
  c->encode(data, out);
  REQUIRE(out.size() == 140);
  CHECK(to_hex(byte_view(out).sub(0, 8)) == "8c00000000000000");
  CHECK(byte_view(out).sub(8, 128) == byte_view(data));
  CHECK(to_hex(byte_view(out).sub(136)) == "86739537");
  out.clear();
  c->encode(data, out);
  CHECK(to_hex(byte_view(out).sub(0, 8)) == "8c00000001000000");
  CHECK(to_hex(byte_view(out).sub(136)) == "9609f04a");
}

TEST_CASE("a declared length above max_frame_size is rejected before the payload arrives",
          "[codec][errors]") {
  seeded_random rng(6);
  const size_t max = 1024;
  SECTION("abridged") {
    auto s = server_of(framing::abridged, rng, max);
    s->feed(from_hex("7f010100"));  // 257 words = 1028 bytes
    frame f;
    CHECK(error_of([&] { s->next(f); }) == frame_errc::too_large);
    auto huge = server_of(framing::abridged, rng);
    huge->feed(from_hex("7fffffff"));  // 64 MiB
    CHECK(error_of([&] { huge->next(f); }) == frame_errc::too_large);
    auto ok = server_of(framing::abridged, rng, max);
    ok->feed(from_hex("7f000100"));  // exactly 1024: waits for the payload
    CHECK_FALSE(ok->next(f));
  }
  SECTION("intermediate and padded") {
    for (auto k : {framing::intermediate, framing::padded_intermediate}) {
      auto s = server_of(k, rng, max);
      s->feed(from_hex("04040000"));
      frame f;
      CHECK(error_of([&] { s->next(f); }) == frame_errc::too_large);
      auto huge = server_of(k, rng);
      huge->feed(from_hex("ffffff7f"));
      CHECK(error_of([&] { huge->next(f); }) == frame_errc::too_large);
      auto ok = server_of(k, rng, max);
      ok->feed(from_hex("00040000"));
      CHECK_FALSE(ok->next(f));
    }
  }
  SECTION("full") {
    framing_detector det(rng, max);
    auto s = det.feed(from_hex("1804000000000000"));  // 1048 - 12 = 1036 > 1024
    REQUIRE(s);
    frame f;
    CHECK(error_of([&] { s->next(f); }) == frame_errc::too_large);
    framing_detector det2(rng);
    auto huge = det2.feed(from_hex("fcffffff00000000"));
    REQUIRE(huge);
    CHECK(error_of([&] { huge->next(f); }) == frame_errc::too_large);
  }
  SECTION("client side too, inside obfuscation") {
    codec_options o;
    o.kind = framing::obfuscated2;
    o.max_frame_size = max;
    auto c = make_client_codec(o, rng);
    byte_buffer wire;
    c->encode(counting_bytes(8), wire);
    auto r = run_server(wire, {}, rng);
    byte_buffer reply;
    r.codec->encode(counting_bytes(1028), reply);
    c->feed(byte_view(reply).sub(0, 4));  // the length alone
    frame f;
    CHECK(error_of([&] { c->next(f); }) == frame_errc::too_large);
  }
}

TEST_CASE("lengths no framing allows give bad_length", "[codec][errors]") {
  seeded_random rng(7);
  frame f;
  auto expect_bad = [&](framing k, const char* hex) {
    auto s = server_of(k, rng);
    s->feed(from_hex(hex));
    INFO(to_string(k) << " " << hex);
    CHECK(error_of([&] { s->next(f); }) == frame_errc::bad_length);
  };
  expect_bad(framing::abridged, "00");
  expect_bad(framing::abridged, "80");        // quick-ack bit, zero words
  expect_bad(framing::abridged, "7f000000");
  expect_bad(framing::intermediate, "00000000");
  expect_bad(framing::intermediate, "06000000");
  expect_bad(framing::intermediate, "00000080");  // quick-ack bit, length 0
  expect_bad(framing::padded_intermediate, "03000000");

  // Padded frames need not be 4-aligned: 4 bytes + 2 of padding.
  auto padded = server_of(framing::padded_intermediate, rng);
  padded->feed(from_hex("06000000 01000000 aaaa"));
  REQUIRE(padded->next(f));
  CHECK(f.payload.size() == 6);

  for (const char* hex : {"0800000000000000", "0c00000000000000", "1200000000000000"}) {
    framing_detector det(rng);
    INFO(hex);
    CHECK(error_of([&] { det.feed(from_hex(hex)); }) == frame_errc::bad_header);
  }
}

TEST_CASE("full: any corrupted byte is caught by the CRC and reordering by the seqno",
          "[codec][errors]") {
  seeded_random rng(8);
  auto c = client_of(framing::full, rng);
  byte_buffer first, second, third;
  c->encode(counting_bytes(64), first);
  c->encode(counting_bytes(32), second);
  c->encode(counting_bytes(16), third);

  // Flip every byte of the second frame's seqno, payload and CRC in turn
  // (the first frame must be intact for the detector to see a full client).
  for (size_t i = 4; i < second.size(); ++i) {
    auto bad = second;
    bad[i] ^= 0x40;
    framing_detector det(rng);
    auto s = det.feed(first);
    REQUIRE(s);
    frame f;
    REQUIRE(s->next(f));
    s->feed(bad);
    INFO("flipped byte " << i);
    CHECK(error_of([&] { s->next(f); }) == frame_errc::bad_crc);
  }

  SECTION("a dropped frame") {
    framing_detector det(rng);
    auto s = det.feed(first);
    REQUIRE(s);
    frame f;
    REQUIRE(s->next(f));
    s->feed(third);  // seqno 2 where 1 is due
    CHECK(error_of([&] { s->next(f); }) == frame_errc::bad_seqno);
  }
  SECTION("a replayed frame") {
    framing_detector det(rng);
    auto s = det.feed(first);
    REQUIRE(s);
    frame f;
    REQUIRE(s->next(f));
    s->feed(first);
    CHECK(error_of([&] { s->next(f); }) == frame_errc::bad_seqno);
  }
  SECTION("in order") {
    framing_detector det(rng);
    auto s = det.feed(first);
    REQUIRE(s);
    s->feed(second);
    auto got = drain(*s);
    REQUIRE(got.size() == 2);
    CHECK(got[1].payload == counting_bytes(32));
  }
  SECTION("a hand-built frame with a wrong CRC but the right length") {
    byte_buffer hand = from_hex("10000000 00000000 01020304");
    uint32_t crc = crypto::crc32(hand) ^ 1;
    uint8_t b[4];
    store_le32(b, crc);
    hand.insert(hand.end(), b, b + 4);
    framing_detector det(rng);
    auto s = det.feed(hand);
    REQUIRE(s);
    frame f;
    CHECK(error_of([&] { s->next(f); }) == frame_errc::bad_crc);
  }
}

TEST_CASE("encode rejects packets no peer would accept", "[codec][errors]") {
  seeded_random rng(9);
  for (const auto& opts : all_client_options()) {
    auto c = make_client_codec(opts, rng);
    byte_buffer out;
    INFO(describe(opts));
    CHECK_THROWS_AS(c->encode(byte_buffer{}, out), std::invalid_argument);
    CHECK_THROWS_AS(c->encode(byte_buffer(6), out), std::invalid_argument);
  }
  codec_options o;
  o.kind = framing::obfuscated2;
  o.inner = framing::full;
  CHECK_THROWS_AS(make_client_codec(o, rng), std::invalid_argument);
  o.inner = framing::obfuscated2;
  CHECK_THROWS_AS(make_client_codec(o, rng), std::invalid_argument);
}

TEST_CASE("random garbage after any preamble never crashes: frames or frame_error",
          "[codec][errors][fuzz]") {
  seeded_random rng(10);
  size_t errors = 0, frames_seen = 0;
  for (int round = 0; round < 3000; ++round) {
    framing_detector det(rng, 4096);
    byte_buffer junk(size_t(rng.next<uint8_t>()) + 1);
    rng.fill(junk.data(), junk.size());
    static const char* preambles[] = {"ef", "eeeeeeee", "dddddddd", ""};
    byte_buffer wire = from_hex(preambles[round % 4]);
    if (round % 4 == 3 && junk.size() >= 8) {  // full: a plausible start
      store_le32(junk.data(), 16 + 4 * (junk[0] % 8));
      store_le32(junk.data() + 4, 0);
    }
    wire.insert(wire.end(), junk.begin(), junk.end());
    try {
      std::unique_ptr<frame_codec> c;
      size_t i = 0;
      while (i < wire.size() && !c)
        c = det.feed(byte_view(wire).sub(i++, 1));
      if (!c)
        continue;
      c->feed(byte_view(wire).sub(i));
      frame f;
      while (c->next(f)) {
        ++frames_seen;
        REQUIRE(f.payload.size() <= 4096 + 15);
      }
    } catch (const frame_error&) {
      ++errors;
    }
  }
  CHECK(errors > 0);
  CHECK(frames_seen > 0);
}
