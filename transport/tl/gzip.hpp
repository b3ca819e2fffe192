// gzip_packed#3072cfa1 packed_data:string: compressed TL objects.
//
// The server may send any answer (inside rpc_result, or as a container item)
// as gzip_packed; unpacking is capped, so a small hostile frame cannot make
// us allocate gigabytes (a "gzip bomb").
//
//   byte_buffer storage;
//   byte_view body = tl::maybe_gunzip(result, storage);   // result or its inflated content
//
// Packing (deflate with a gzip header) is for the server side and tests.
// Errors: decode_error inflate_failed (corrupt or incomplete stream, trailing
// garbage after it) or too_large (inflated size over the cap), plus the usual
// truncated/bad_constructor from reading the envelope.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>

namespace mtsender::tl {

inline constexpr uint32_t gzip_packed_id = 0x3072cfa1;
inline constexpr size_t default_inflate_cap = 16u << 20;   // 16 MiB

// Inflates a gzip or zlib stream (both headers accepted) of at most `cap`
// bytes of output.
byte_buffer gunzip(byte_view packed, size_t cap = default_inflate_cap);

// Deflates `plain` into a gzip stream (level 1..9, or -1 for zlib's default).
byte_buffer gzip(byte_view plain, int level = -1);

// Reads a boxed gzip_packed from `r` and returns the inflated content.
byte_buffer read_gzip_packed(reader& r, size_t cap = default_inflate_cap);

// Writes `plain` as a boxed gzip_packed.
void write_gzip_packed(writer& w, byte_view plain, int level = -1);

// If `body` starts with gzip_packed's id, inflates it into `storage` and
// returns a view of it (bytes after the gzip_packed throw trailing_bytes);
// otherwise returns `body` unchanged, without a copy.
byte_view maybe_gunzip(byte_view body, byte_buffer& storage,
                       size_t cap = default_inflate_cap);

} // namespace mtsender::tl
