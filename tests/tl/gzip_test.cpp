// gzip_packed: round trips through zlib, the inflate cap (gzip bombs),
// corrupt and truncated streams, and the envelope helpers.
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include "tl_test_helpers.hpp"

#include <zlib.h>

using namespace mtsender;
using namespace mtsender::tl;
using mtsender::tl::test::catch_decode_error;
using mtsender::tl::test::contains;

namespace {

byte_buffer sample(size_t n) {
  byte_buffer out(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    // Part text-like (compressible), part noise.
    x = x * 1103515245 + 12345;
    out[i] = (i / 64) % 2 ? uint8_t('a' + i % 7) : uint8_t(x >> 24);
  }
  return out;
}

// A zlib-format (RFC 1950) stream, not gzip: inflate must accept both.
byte_buffer zlib_compress(byte_view plain) {
  uLongf len = compressBound(uLong(plain.size()));
  byte_buffer out(len);
  REQUIRE(compress2(out.data(), &len, plain.data(), uLong(plain.size()), 6) == Z_OK);
  out.resize(len);
  return out;
}

} // namespace

TEST_CASE("gzip round-trips at many sizes", "[tl][gzip]") {
  for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(4096), size_t(70000),
                   size_t(1) << 20}) {
    INFO("size " << n);
    auto plain = sample(n);
    auto packed = gzip(plain);
    // RFC 1952 section 2.3.1: ID1 = 31 (0x1f), ID2 = 139 (0x8b), CM = 8 (deflate).
    REQUIRE(packed.size() >= 18);
    CHECK(to_hex(byte_view{packed}.sub(0, 3)) == "1f8b08");
    CHECK(gunzip(packed) == plain);
    CHECK(gunzip(zlib_compress(plain)) == plain);
  }
  CHECK(gunzip(gzip(sample(1000), 1)) == sample(1000));
  CHECK(gunzip(gzip(sample(1000), 9)) == sample(1000));
  CHECK_THROWS_AS(gzip(sample(10), 42), std::invalid_argument);
}

TEST_CASE("gzip_packed envelope", "[tl][gzip]") {
  byte_buffer inner;
  writer wi{inner};
  rpc_error{420, "FLOOD_WAIT_30"}.write(wi);

  byte_buffer body;
  writer w{body};
  write_gzip_packed(w, inner);
  // gzip_packed#3072cfa1 packed_data:string (schema/mtproto.tl).
  CHECK(to_hex(byte_view{body}.sub(0, 4)) == "a1cf7230");
  reader r{body};
  CHECK(read_gzip_packed(r) == inner);
  CHECK(r.at_end());

  byte_buffer storage;
  auto v = maybe_gunzip(body, storage);
  CHECK(v == byte_view{inner});
  CHECK(v.data() == storage.data());
  reader ri{v};
  CHECK(rpc_error::read(ri).error_message == "FLOOD_WAIT_30");

  // Anything else passes through untouched, without a copy.
  byte_buffer storage2;
  auto same = maybe_gunzip(inner, storage2);
  CHECK(same.data() == inner.data());
  CHECK(same.size() == inner.size());
  CHECK(storage2.empty());
  CHECK(maybe_gunzip(byte_view{}, storage2).empty());

  SECTION("trailing bytes after a gzip_packed") {
    auto extra = body;
    extra.insert(extra.end(), {0, 0, 0, 0});
    auto e = catch_decode_error([&] { maybe_gunzip(extra, storage); });
    CHECK(e.code() == decode_errc::trailing_bytes);
    CHECK(contains(e.what(), "gzip_packed"));
  }
  SECTION("truncated envelope at every byte position") {
    for (size_t cut = 0; cut < body.size(); ++cut) {
      INFO("cut at " << cut);
      reader rc{byte_view{body}.sub(0, cut)};
      auto e = catch_decode_error([&] { read_gzip_packed(rc); });
      CHECK(e.code() == decode_errc::truncated);
      CHECK(contains(e.what(), "gzip_packed"));
    }
  }
  SECTION("wrong constructor") {
    auto bad = body;
    store_le32(bad.data(), 0xdeadbeef);
    reader rb{bad};
    auto e = catch_decode_error([&] { read_gzip_packed(rb); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "#deadbeef"));
  }
}

TEST_CASE("gzip bomb: inflated size over the cap", "[tl][gzip]") {
  // 64 MiB of zeros deflates to about 64 KiB.
  const size_t big = size_t(64) << 20;
  auto packed = gzip(byte_buffer(big, 0), 9);
  REQUIRE(packed.size() < 200000);

  auto e = catch_decode_error([&] { gunzip(packed); });   // default cap 16 MiB
  CHECK(e.code() == decode_errc::too_large);
  CHECK(contains(e.what(), "cap"));
  CHECK(contains(e.what(), std::to_string(default_inflate_cap)));

  byte_buffer body;
  writer w{body};
  w.write_uint32(gzip_packed_id);
  w.write_bytes(packed);
  reader r{body};
  auto e2 = catch_decode_error([&] { read_gzip_packed(r, 1 << 20); });
  CHECK(e2.code() == decode_errc::too_large);
  CHECK(e2.offset() == 4);   // where packed_data starts

  // The cap is exact: cap == size passes, cap == size - 1 does not.
  auto small = gzip(sample(5000));
  CHECK(gunzip(small, 5000).size() == 5000);
  CHECK(catch_decode_error([&] { gunzip(small, 4999); }).code() == decode_errc::too_large);
  CHECK(catch_decode_error([&] { gunzip(small, 0); }).code() == decode_errc::too_large);
  CHECK(gunzip(gzip(byte_view{}), 0).empty());
}

TEST_CASE("corrupt and truncated gzip streams", "[tl][gzip]") {
  auto plain = sample(3000);
  auto packed = gzip(plain);

  SECTION("empty and garbage input") {
    auto e = catch_decode_error([] { gunzip(byte_view{}); });
    CHECK(e.code() == decode_errc::inflate_failed);
    CHECK(contains(e.what(), "gzip_packed"));
    auto e2 = catch_decode_error([] { gunzip(from_hex("00112233445566778899aabbccddeeff")); });
    CHECK(e2.code() == decode_errc::inflate_failed);
  }
  SECTION("truncated at every byte position") {
    for (size_t cut = 0; cut < packed.size(); ++cut) {
      INFO("cut at " << cut << " of " << packed.size());
      auto e = catch_decode_error([&] { gunzip(byte_view{packed}.sub(0, cut)); });
      CHECK(e.code() == decode_errc::inflate_failed);
    }
  }
  SECTION("a flipped byte in the data or trailer is caught") {
    // Bytes 10.. are deflate data, the last 8 the CRC32 and size (RFC 1952);
    // any change there fails the stream or its checksum.
    for (size_t pos = 10; pos < packed.size(); pos += 7) {
      INFO("flip at " << pos);
      auto bad = packed;
      bad[pos] ^= 0x55;
      auto e = catch_decode_error([&] { gunzip(bad); });
      CHECK(e.code() == decode_errc::inflate_failed);
    }
    auto bad = packed;
    bad[packed.size() - 5] ^= 1;   // CRC32 byte
    CHECK(catch_decode_error([&] { gunzip(bad); }).code() == decode_errc::inflate_failed);
  }
  SECTION("a lying size in the trailer (ISIZE, RFC 1952) is caught by zlib") {
    for (uint32_t isize : {0u, 10u, 2999u, 3001u, 0xffffffffu}) {
      INFO("isize " << isize);
      auto bad = packed;
      store_le32(bad.data() + bad.size() - 4, isize);
      auto e = catch_decode_error([&] { gunzip(bad); });
      CHECK(e.code() == decode_errc::inflate_failed);
    }
  }
  SECTION("bad magic") {
    auto bad = packed;
    bad[1] = 0x00;
    CHECK(catch_decode_error([&] { gunzip(bad); }).code() == decode_errc::inflate_failed);
  }
  SECTION("garbage after the stream") {
    auto extra = packed;
    extra.insert(extra.end(), {1, 2, 3});
    auto e = catch_decode_error([&] { gunzip(extra); });
    CHECK(e.code() == decode_errc::inflate_failed);
    CHECK(contains(e.what(), "garbage"));
  }
}
