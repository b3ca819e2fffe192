#include "mtsender/transport/tl/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace mtsender::tl {

namespace {

// A first guess at the inflated size, so the output is usually allocated
// once. A gzip trailer ends with ISIZE (RFC 1952: input size mod 2^32); it
// comes from the sender, so it is only trusted up to deflate's best ratio
// (about 1032:1), and the cap applies on top. zlib streams carry no size.
size_t size_hint(byte_view packed) {
  const size_t fallback = packed.size() * 4;
  if (packed.size() < 18 || packed[0] != 0x1f || packed[1] != 0x8b)
    return fallback;
  const size_t isize = load_le32(packed.data() + packed.size() - 4);
  const size_t most = packed.size() * 1032;
  // +1: room to see the end of the stream without growing again.
  return isize < most ? isize + 1 : fallback;
}

// Errors report `offset`: where the packed data starts in the caller's input.
byte_buffer inflate_capped(byte_view packed, size_t cap, size_t offset) {
  auto fail = [offset](const std::string& why) -> decode_error {
    return decode_error(decode_errc::inflate_failed, offset, "gzip_packed: " + why);
  };
  if (packed.size() > std::numeric_limits<uInt>::max())
    throw fail("packed data too long for zlib");
  z_stream zs{};
  // 15 + 32: largest window, and let zlib detect a gzip or a zlib header.
  if (inflateInit2(&zs, 15 + 32) != Z_OK)
    throw fail("inflateInit2 failed");
  struct guard {
    z_stream* z;
    ~guard() { inflateEnd(z); }
  } g{&zs};

  zs.next_in = const_cast<Bytef*>(packed.data());
  zs.avail_in = uInt(packed.size());
  byte_buffer out;
  // One byte beyond the cap tells "exactly cap" from "more than cap".
  const size_t limit = cap == std::numeric_limits<size_t>::max() ? cap : cap + 1;
  size_t want = std::min(limit, std::max<size_t>(size_hint(packed), 4096));
  for (;;) {
    const size_t have = size_t(zs.total_out);
    if (out.size() < want)
      out.resize(want);
    const size_t room = std::min<size_t>(out.size() - have, std::numeric_limits<uInt>::max());
    zs.next_out = out.data() + have;
    zs.avail_out = uInt(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = size_t(zs.total_out);
    if (produced > cap)
      throw decode_error(decode_errc::too_large, offset,
                         "gzip_packed inflates to more than the cap of "
                           + std::to_string(cap) + " bytes");
    if (rc == Z_STREAM_END) {
      if (zs.avail_in != 0)
        throw fail(std::to_string(zs.avail_in) + " bytes of garbage after the stream");
      out.resize(produced);
      return out;
    }
    if (rc == Z_BUF_ERROR && zs.avail_out != 0)
      throw fail("stream ends early (incomplete data)");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw fail(std::string("corrupt stream: ") + (zs.msg ? zs.msg : "zlib error "
                                                                      + std::to_string(rc)));
    if (zs.avail_out == 0)
      want = std::min(limit, out.size() * 2);
    if (zs.avail_in == 0 && zs.avail_out != 0)
      throw fail("stream ends early (incomplete data)");
  }
}

} // namespace

byte_buffer gunzip(byte_view packed, size_t cap) {
  return inflate_capped(packed, cap, 0);
}

byte_buffer gzip(byte_view plain, int level) {
  if (plain.size() > std::numeric_limits<uInt>::max())
    throw std::length_error("gzip: input too long");
  z_stream zs{};
  // 15 + 16: largest window, gzip header and trailer (what servers send).
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::invalid_argument("gzip: deflateInit2 failed (level "
                                + std::to_string(level) + ")");
  struct guard {
    z_stream* z;
    ~guard() { deflateEnd(z); }
  } g{&zs};
  // deflateBound does not count the gzip header/trailer (18 bytes).
  byte_buffer out(deflateBound(&zs, uLong(plain.size())) + 18);
  zs.next_in = const_cast<Bytef*>(plain.data());
  zs.avail_in = uInt(plain.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
    throw std::runtime_error("gzip: deflate did not finish");
  out.resize(size_t(zs.total_out));
  return out;
}

byte_buffer read_gzip_packed(reader& r, size_t cap) {
  r.expect_id(gzip_packed_id, "gzip_packed");
  const auto at = r.position();
  auto packed = r.read_bytes("gzip_packed.packed_data");
  return inflate_capped(packed, cap, at);
}

void write_gzip_packed(writer& w, byte_view plain, int level) {
  auto packed = gzip(plain, level);
  w.write_uint32(gzip_packed_id);
  w.write_bytes(packed);
}

byte_view maybe_gunzip(byte_view body, byte_buffer& storage, size_t cap) {
  if (body.size() < 4 || load_le32(body.data()) != gzip_packed_id)
    return body;
  reader r{body};
  storage = read_gzip_packed(r, cap);
  r.expect_end("gzip_packed");
  return storage;
}

} // namespace mtsender::tl
