// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Local file access for the upload and download actors, on detached actors
// (each its own thread), so a slow disk never blocks a scheduler thread or
// the middleman's I/O thread where the pool and connections run. Reads and
// writes are positioned (pread / pwrite) of at most one part each, so the
// memory in use stays one part per request, whatever the file size.
//
//   auto r = spawn_file_reader(sys, "/path");
//   request(r, T, caf::get_atom::value)                   -> int64_t size
//   request(r, T, file_read_atom::value, offset, length)  -> byte_buffer
//   auto w = spawn_file_writer(sys, "/path", truncate);
//   request(w, T, file_write_atom::value, offset, bytes)  -> caf::ok_atom
// Failures answer file_transfer_errc::io_failed naming the path and errno.
// Both quit on an exit message or when the last handle is gone.
#pragma once

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include <string>

namespace caf {
class actor_system;
}

namespace mtsender {

using file_read_atom = caf::atom_constant<caf::atom("fread")>;
using file_write_atom = caf::atom_constant<caf::atom("fwrite")>;

caf::actor spawn_file_reader(caf::actor_system& sys, std::string path);
// truncate: start with an empty file; otherwise existing bytes stay (resume).
caf::actor spawn_file_writer(caf::actor_system& sys, std::string path, bool truncate);

} // namespace mtsender
