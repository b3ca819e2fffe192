// The messages of the upload and download actors (actors/upload_actor.hpp,
// actors/download_actor.hpp): what to transfer, what comes back, progress.
//
// Upload:   request(up, T, file_start_atom) -> upload_result
//           request(up, T, file_push_atom, byte_buffer) -> ok  (pushed source,
//             in order; answered when the window has room: back-pressure)
//           request(up, T, file_cancel_atom) -> ok
// Download: request(down, T, file_start_atom) -> download_result
//           request(down, T, file_cancel_atom) -> ok
// A sink actor receives request(sink, T, file_chunk_atom, int64_t offset,
// byte_buffer) in file order and acks with caf::ok_atom; a listener receives
// request(listener, T, transfer_progress) and acks with caf::ok_atom. Neither
// is ever waited for by the transfer: at most one progress event is unacked
// and newer ones replace an unsent one.
//
// Errors: the pool's errors (messages/error.hpp) pass through unchanged when
// a part fails for good; the actors' own are file_transfer_errc below.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mtsender {

using file_start_atom = caf::atom_constant<caf::atom("fstart")>;
using file_push_atom = caf::atom_constant<caf::atom("fpush")>;
using file_cancel_atom = caf::atom_constant<caf::atom("fcancel")>;
using file_chunk_atom = caf::atom_constant<caf::atom("fchunk")>;

struct upload_request {
  int32_t dc_id = 2;
  // Source: a file path, or (empty path) bytes pushed in order, `size` in
  // all (the size decides small or big file, so it must be known).
  std::string path;
  int64_t size = -1;
  std::string name;             // InputFile.name; default: the path's last part
  int32_t part_size = 0;        // 0: 512 KiB
  int32_t window = 8;           // parts in flight (memory: window * part_size)
  int32_t max_parts = 4000;     // 8000 for premium accounts
  int32_t part_retries = 5;     // per part, for errors worth retrying
  int64_t part_deadline_ms = 0; // per saveFilePart; 0: the pool's default
  int64_t file_id = 0;          // 0: random
  caf::actor listener;          // progress; may be null
};

struct upload_result {
  byte_buffer input_file;       // boxed inputFile / inputFileBig, raw TL
  int64_t file_id = 0;
  int32_t parts = 0;
  bool big = false;
  int64_t size = 0;
  std::string md5;              // small files only
  uint64_t part_retries = 0;    // parts sent again
};

struct download_request {
  int32_t dc_id = 2;
  byte_buffer location;         // boxed InputFileLocation, raw TL
  int64_t size = -1;            // -1: unknown (stops at a short answer)
  int64_t offset = 0;           // resume from here
  // Destination: a file path (written at the file offsets; existing bytes
  // before `offset` are kept), or a sink actor (chunks in order).
  std::string path;
  caf::actor sink;
  int32_t part_size = 1024 * 1024;   // power of two, 4 KiB .. 1 MiB
  int32_t window = 8;
  int32_t part_retries = 5;
  int64_t part_deadline_ms = 0;
  bool cdn_supported = true;
  caf::actor listener;
};

struct download_result {
  int64_t bytes = 0;            // delivered by this download (from `offset`)
  int64_t end = 0;              // file offset after the last byte
  int32_t dc_id = 0;            // where the bytes came from in the end
  bool via_cdn = false;
  uint64_t part_retries = 0;
  uint32_t cdn_reuploads = 0;
};

struct transfer_progress {
  bool upload = false;
  int64_t done = 0;             // bytes transferred (and acked / delivered)
  int64_t total = -1;           // -1: unknown
  double bytes_per_second = 0;  // since the start
};

enum class file_transfer_errc : uint8_t {
  cancelled = 1,       // file_cancel_atom, or the caller went away
  io_failed,           // the local file could not be read or written
  bad_request,         // nothing to transfer as asked (empty, too large, bad sizes)
  cdn_hash_mismatch,   // CDN bytes failed their SHA-256: nothing unverified delivered
  not_authorized,      // FILE_MIGRATE_X to a DC without an imported authorization
  protocol_violation,  // the server's answer broke the file rules
};

const char* to_string(file_transfer_errc x) noexcept;
inline constexpr caf::atom_value file_error_category = caf::atom("mtfile");
caf::error make_error(file_transfer_errc code, std::string what);
std::string render_file_error(uint8_t code, caf::atom_value, const caf::message& ctx);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, upload_request& x) {
  return f(caf::meta::type_name("mtsender_upload_request"), x.dc_id, x.path, x.size, x.name,
           x.part_size, x.window, x.max_parts, x.part_retries, x.part_deadline_ms, x.file_id,
           x.listener);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, upload_result& x) {
  return f(caf::meta::type_name("mtsender_upload_result"), x.input_file, x.file_id, x.parts,
           x.big, x.size, x.md5, x.part_retries);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, download_request& x) {
  return f(caf::meta::type_name("mtsender_download_request"), x.dc_id, x.location, x.size,
           x.offset, x.path, x.sink, x.part_size, x.window, x.part_retries,
           x.part_deadline_ms, x.cdn_supported, x.listener);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, download_result& x) {
  return f(caf::meta::type_name("mtsender_download_result"), x.bytes, x.end, x.dc_id,
           x.via_cdn, x.part_retries, x.cdn_reuploads);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_progress& x) {
  return f(caf::meta::type_name("mtsender_transfer_progress"), x.upload, x.done, x.total,
           x.bytes_per_second);
}

// Registers these types and the "mtfile" error category (called by
// add_message_types).
void add_file_message_types(caf::actor_system_config& cfg);

} // namespace mtsender
