// The TL reader/writer primitives: round trips, known encodings and malformed
// input. Encodings follow https://core.telegram.org/mtproto/serialize (little-
// endian integers; bytes: one length byte below 254, else 0xfe + 3 length
// bytes; zero padding to a multiple of 4) and the ids of schema/mtproto.tl.
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include "tl_test_helpers.hpp"

#include <cmath>
#include <limits>

using namespace mtsender;
using namespace mtsender::tl;
using mtsender::tl::test::catch_decode_error;
using mtsender::tl::test::contains;

TEST_CASE("int, long and double round-trip little-endian", "[tl][primitives]") {
  byte_buffer out;
  writer w{out};
  w.write_int32(-2);
  w.write_uint32(0x01020304);
  w.write_int64(std::numeric_limits<int64_t>::min());
  w.write_int64(0x0102030405060708);
  w.write_double(-0.0);
  w.write_double(1.5);
  w.write_double(std::numeric_limits<double>::infinity());
  REQUIRE(out.size() == 4 + 4 + 8 + 8 + 8 * 3);
  // Little-endian per core.telegram.org/mtproto/serialize ("int: 32-bit
  // signed, little-endian"): 0x01020304 -> 04 03 02 01.
  CHECK(to_hex(byte_view{out}.sub(0, 8)) == "feffffff04030201");
  CHECK(to_hex(byte_view{out}.sub(16, 8)) == "0807060504030201");
  // IEEE-754 1.5 = 0x3ff8000000000000, stored little-endian.
  CHECK(to_hex(byte_view{out}.sub(32, 8)) == "000000000000f83f");

  reader r{out};
  CHECK(r.read_int32() == -2);
  CHECK(r.read_uint32() == 0x01020304u);
  CHECK(r.read_int64() == std::numeric_limits<int64_t>::min());
  CHECK(r.read_int64() == 0x0102030405060708);
  auto z = r.read_double();
  CHECK(z == 0.0);
  CHECK(std::signbit(z));
  CHECK(r.read_double() == 1.5);
  CHECK(std::isinf(r.read_double()));
  CHECK(r.at_end());
  CHECK_NOTHROW(r.expect_end());
}

TEST_CASE("int128 and int256 are raw bytes in order", "[tl][primitives]") {
  int128 a;
  int256 b;
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i + 1);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(0xff - i);
  byte_buffer out;
  writer w{out};
  w.write_int128(a);
  w.write_int256(b);
  REQUIRE(out.size() == 48);
  CHECK(out[0] == 1);
  CHECK(out[15] == 16);
  CHECK(out[16] == 0xff);
  reader r{out};
  CHECK(r.read_int128() == a);
  CHECK(r.read_int256() == b);
  CHECK(r.at_end());
}

TEST_CASE("Bool encodes as boolTrue/boolFalse and rejects anything else", "[tl][primitives]") {
  byte_buffer out;
  writer w{out};
  w.write_bool(true);
  w.write_bool(false);
  // boolTrue#997275b5, boolFalse#bc799737 (telegram_api.tl), little-endian.
  CHECK(to_hex(out) == "b5757299379779bc");
  reader r{out};
  CHECK(r.read_bool() == true);
  CHECK(r.read_bool() == false);

  auto bad = from_hex("78563412");
  reader rb{bad};
  auto e = catch_decode_error([&] { rb.read_bool("flag"); });
  CHECK(e.code() == decode_errc::bad_constructor);
  CHECK(e.offset() == 0);
  CHECK(contains(e.what(), "#12345678"));
  CHECK(contains(e.what(), "flag"));

  for (size_t n = 0; n < 4; ++n) {
    reader rt{byte_view{out}.sub(0, n)};
    auto t = catch_decode_error([&] { rt.read_bool("flag"); });
    CHECK(t.code() == decode_errc::truncated);
    CHECK(contains(t.what(), "flag"));
  }
}

TEST_CASE("fixed-size reads fail cleanly at every truncation", "[tl][primitives]") {
  byte_buffer data(32, 0xab);
  for (size_t n = 0; n < 32; ++n) {
    byte_view v{data.data(), n};
    if (n < 4) {
      reader r{v};
      auto e = catch_decode_error([&] { r.read_int32("the_int"); });
      CHECK(e.code() == decode_errc::truncated);
      CHECK(contains(e.what(), "the_int"));
      CHECK(r.position() == 0);
    }
    if (n < 8) {
      reader r{v};
      auto e = catch_decode_error([&] { r.read_int64("the_long"); });
      CHECK(e.code() == decode_errc::truncated);
      CHECK(contains(e.what(), "the_long"));
      reader rd{v};
      CHECK(catch_decode_error([&] { rd.read_double("d"); }).code() == decode_errc::truncated);
    }
    if (n < 16) {
      reader r{v};
      CHECK(catch_decode_error([&] { r.read_int128("nonce"); }).code()
            == decode_errc::truncated);
    }
    reader r{v};
    auto e = catch_decode_error([&] { r.read_int256("new_nonce"); });
    CHECK(e.code() == decode_errc::truncated);
    CHECK(contains(e.what(), "new_nonce"));
  }
}

TEST_CASE("bytes round-trip at every interesting length", "[tl][primitives]") {
  const size_t lengths[] = {0, 1, 2, 3, 4, 5, 253, 254, 255, 256, 1000, (size_t(1) << 24) - 1};
  for (size_t n : lengths) {
    INFO("length " << n);
    byte_buffer value(n);
    for (size_t i = 0; i < n; ++i) value[i] = uint8_t(i * 7 + 3);
    byte_buffer out{0x11};   // a byte already there: the writer must append
    writer w{out};
    w.write_bytes(value);
    const size_t head = n < 254 ? 1 : 4;
    const size_t total = (head + n + 3) / 4 * 4;
    REQUIRE(out.size() == 1 + total);
    CHECK(bytes_wire_size(n) == total);
    CHECK(total % 4 == 0);
    if (n < 254) {
      CHECK(out[1] == n);
    } else {
      CHECK(out[1] == 0xfe);
      CHECK(size_t(out[2]) + (size_t(out[3]) << 8) + (size_t(out[4]) << 16) == n);
    }
    for (size_t i = 1 + head + n; i < out.size(); ++i)
      CHECK(out[i] == 0);   // padding is zero
    reader r{byte_view{out}.sub(1)};
    auto v = r.read_bytes();
    CHECK(v == byte_view{value});
    CHECK(r.at_end());
    // The view points into the input, not a copy.
    CHECK(v.data() == out.data() + 1 + head);
  }
}

TEST_CASE("bytes known encodings", "[tl][primitives]") {
  // core.telegram.org/mtproto/serialize: L <= 253 -> one length byte, data,
  // zero padding to 4; L >= 254 -> 0xfe, L as 3 bytes little-endian, data,
  // padding.
  auto enc = [](byte_view v) {
    byte_buffer out;
    writer{out}.write_bytes(v);
    return out;
  };
  CHECK(to_hex(enc(byte_view{})) == "00000000");
  CHECK(to_hex(enc(byte_view{std::string_view{"a"}})) == "01610000");
  CHECK(to_hex(enc(byte_view{std::string_view{"abc"}})) == "03616263");
  CHECK(to_hex(enc(byte_view{std::string_view{"abcd"}})) == "0461626364000000");
  byte_buffer b254(254, 0x00);
  auto e254 = enc(b254);
  CHECK(to_hex(byte_view{e254}.sub(0, 4)) == "fefe0000");
  CHECK(e254.size() == 260);
  byte_buffer b256(256, 0x00);
  CHECK(to_hex(byte_view{enc(b256)}.sub(0, 4)) == "fe000100");
  byte_buffer b253(253, 0x00);
  auto e253 = enc(b253);
  CHECK(e253[0] == 0xfd);
  CHECK(e253.size() == 256);
  byte_buffer big((size_t(1) << 24) - 1);
  CHECK(to_hex(byte_view{enc(big)}.sub(0, 4)) == "feffffff");
}

TEST_CASE("bytes too long to encode are refused by the writer", "[tl][primitives]") {
  byte_buffer huge(size_t(1) << 24);
  byte_buffer out;
  writer w{out};
  CHECK_THROWS_AS(w.write_bytes(huge), std::length_error);
}

TEST_CASE("malformed bytes: 0xff, short long form, truncation", "[tl][primitives]") {
  SECTION("0xff length byte") {
    auto in = from_hex("ff000000 00000000");
    reader r{in};
    auto e = catch_decode_error([&] { r.read_bytes("pq"); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(contains(e.what(), "0xff"));
    CHECK(contains(e.what(), "pq"));
  }
  SECTION("long form with a length below 254") {
    byte_buffer in = from_hex("fe050000");
    in.resize(16, 0);
    reader r{in};
    auto e = catch_decode_error([&] { r.read_bytes("g_a"); });
    CHECK(e.code() == decode_errc::bad_length);
    CHECK(contains(e.what(), "g_a"));
  }
  SECTION("truncated at every byte position") {
    for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(4), size_t(7), size_t(253),
                     size_t(254), size_t(300)}) {
      byte_buffer value(n, 0x5a);
      byte_buffer out;
      writer{out}.write_bytes(value);
      for (size_t cut = 0; cut < out.size(); ++cut) {
        INFO("length " << n << " cut at " << cut);
        reader r{byte_view{out}.sub(0, cut)};
        auto e = catch_decode_error([&] { r.read_bytes("encrypted_answer"); });
        CHECK(e.code() == decode_errc::truncated);
        CHECK(contains(e.what(), "encrypted_answer"));
      }
    }
  }
  SECTION("a claimed length of 16 MiB in a short input") {
    auto in = from_hex("feffffff 01020304");
    reader r{in};
    CHECK(catch_decode_error([&] { r.read_bytes(); }).code() == decode_errc::truncated);
  }
}

TEST_CASE("strings round-trip as text", "[tl][primitives]") {
  byte_buffer out;
  writer w{out};
  w.write_string("FLOOD_WAIT_30");
  w.write_string("");
  w.write_string(std::string(300, 'x'));
  reader r{out};
  CHECK(r.read_string() == "FLOOD_WAIT_30");
  CHECK(r.read_string().empty());
  CHECK(r.read_string() == std::string(300, 'x'));
  CHECK(r.at_end());
}

TEST_CASE("boxed and bare vectors", "[tl][primitives]") {
  std::vector<int64_t> ids{1, -1, 0x7fffffffffffffff};
  byte_buffer out;
  writer w{out};
  w.write_vector(ids, [](writer& ww, int64_t x) { ww.write_int64(x); });
  // vector#1cb5c415 (schema/mtproto.tl) then the count, little-endian.
  CHECK(to_hex(byte_view{out}.sub(0, 8)) == "15c4b51c03000000");
  REQUIRE(out.size() == 8 + 3 * 8);
  reader r{out};
  auto back = r.read_vector<int64_t>(8, [](reader& rr) { return rr.read_int64(); });
  CHECK(back == ids);
  CHECK(r.at_end());

  byte_buffer bare;
  writer wb{bare};
  wb.write_bare_vector_header(2);
  wb.write_int32(7);
  wb.write_int32(8);
  CHECK(to_hex(bare) == "020000000700000008000000");
  reader rb{bare};
  REQUIRE(rb.read_bare_vector_header(4) == 2);
  CHECK(rb.read_int32() == 7);
  CHECK(rb.read_int32() == 8);

  byte_buffer empty;
  writer we{empty};
  we.write_vector_header(0);
  reader re{empty};
  CHECK(re.read_vector<int64_t>(8, [](reader& rr) { return rr.read_int64(); }).empty());
}

TEST_CASE("malformed vectors", "[tl][primitives]") {
  SECTION("wrong vector constructor") {
    auto in = from_hex("efbeadde 00000000");
    reader r{in};
    auto e = catch_decode_error([&] { r.read_vector_header(8, "msg_ids"); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "#deadbeef"));
    CHECK(contains(e.what(), "msg_ids"));
  }
  SECTION("huge counts are refused before anything is reserved") {
    for (uint32_t count : {0xffffffffu, 0x80000000u, 0x10000000u, 3u}) {
      byte_buffer in;
      writer w{in};
      w.write_vector_header(count);
      w.write_int64(1);
      w.write_int64(2);   // room for 2 longs only
      reader r{in};
      auto e = catch_decode_error([&] {
        r.read_vector<int64_t>(8, [](reader& rr) { return rr.read_int64(); }, "msg_ids");
      });
      CHECK(e.code() == decode_errc::bad_length);
      CHECK(e.offset() == 4);
      CHECK(contains(e.what(), "msg_ids"));
      CHECK(contains(e.what(), std::to_string(count)));
    }
  }
  SECTION("truncated at every byte position") {
    byte_buffer in;
    writer w{in};
    w.write_vector(std::vector<int64_t>{5, 6}, [](writer& ww, int64_t x) { ww.write_int64(x); });
    for (size_t cut = 0; cut < in.size(); ++cut) {
      INFO("cut at " << cut);
      reader r{byte_view{in}.sub(0, cut)};
      auto e = catch_decode_error([&] {
        r.read_vector<int64_t>(8, [](reader& rr) { return rr.read_int64("id"); }, "ids");
      });
      CHECK((e.code() == decode_errc::truncated || e.code() == decode_errc::bad_length));
    }
  }
}

TEST_CASE("expect_id and expect_end report what and where", "[tl][primitives]") {
  auto in = from_hex("c5737734 00000000");
  reader r{in};
  CHECK_NOTHROW(r.expect_id(0x347773c5, "pong"));
  auto e = catch_decode_error([&] { r.expect_end("pong"); });
  CHECK(e.code() == decode_errc::trailing_bytes);
  CHECK(e.offset() == 4);
  CHECK(contains(e.what(), "pong"));

  reader r2{in};
  auto e2 = catch_decode_error([&] { r2.expect_id(0x7abe77ec, "ping"); });
  CHECK(e2.code() == decode_errc::bad_constructor);
  CHECK(contains(e2.what(), "#347773c5"));
  CHECK(contains(e2.what(), "#7abe77ec"));
}

TEST_CASE("decode_errc names", "[tl][primitives]") {
  CHECK(std::string(to_string(decode_errc::truncated)) == "truncated");
  CHECK(std::string(to_string(decode_errc::too_large)) == "too_large");
  CHECK(std::string(to_string(decode_errc::inflate_failed)) == "inflate_failed");
}
