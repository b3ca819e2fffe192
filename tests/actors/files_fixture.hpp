// Shared setup of the upload / download actor tests: files on disk, an
// upload through the actor, the test DC's account.uploadTheme to turn the
// InputFile into a document, and downloads to a path or a sink.
#pragma once

#include "mtsender/actors/download_actor.hpp"
#include "mtsender/actors/upload_actor.hpp"
#include "mtsender/api/Document.hpp"
#include "mtsender/api/InputFileLocation.hpp"
#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/tests/test_dc/file_store.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <unistd.h>

namespace files_test {

using namespace pool_test;

inline byte_buffer random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  byte_buffer b(n);
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    store_le64(b.data() + i, rng());
  for (; i < n; ++i)
    b[i] = uint8_t(rng());
  return b;
}

// A file under the temp directory, removed at the end of the test.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& tag) {
    static std::atomic<int> n{0};
    const char* dir = std::getenv("TMPDIR");
    path = std::string(dir ? dir : "/tmp") + "/mtsender-files-" + std::to_string(::getpid())
           + "-" + tag + "-" + std::to_string(n++);
  }
  ~temp_file() { std::remove(path.c_str()); }
  void write(const byte_buffer& b) const {
    std::ofstream f{path, std::ios::binary | std::ios::trunc};
    f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  }
  byte_buffer read() const {
    std::ifstream f{path, std::ios::binary};
    return byte_buffer((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
};

struct upload_outcome {
  std::optional<upload_result> value;
  caf::error err;
};

inline upload_outcome run_upload(caf::scoped_actor& self, const dc_pool& pool,
                                 upload_request req) {
  auto up = spawn_upload(self->home_system(), pool, std::move(req));
  upload_outcome out;
  self->request(up, 120s, file_start_atom::value)
    .receive([&](upload_result& r) { out.value = std::move(r); },
             [&](caf::error& e) {
               UNSCOPED_INFO("upload failed: " << self->home_system().render(e));
               out.err = std::move(e);
             });
  return out;
}

// account.uploadTheme through the pool: the test DC assembles the upload.
inline api::document assemble(caf::scoped_actor& self, const dc_pool& pool, int32_t dc,
                              const upload_result& r) {
  api::account::uploadTheme q;
  q.file = api::from_bytes<api::InputFile>(r.input_file);
  q.file_name = "upload";
  q.mime_type = "application/octet-stream";
  auto o = invoke_one(self, pool, dc, make_request(q));
  REQUIRE(o.value);
  return decode_result<api::account::uploadTheme>(*o.value).get<api::document>();
}

inline byte_buffer location_of(const api::document& d) {
  return api::to_bytes(api::inputDocumentFileLocation{d.id, d.access_hash, d.file_reference, ""});
}

struct download_outcome {
  std::optional<download_result> value;
  caf::error err;
};

inline download_outcome run_download(caf::scoped_actor& self, const dc_pool& pool,
                                     download_request req) {
  auto down = spawn_download(self->home_system(), pool, std::move(req));
  download_outcome out;
  self->request(down, 120s, file_start_atom::value)
    .receive([&](download_result& r) { out.value = std::move(r); },
             [&](caf::error& e) {
               UNSCOPED_INFO("download failed: " << self->home_system().render(e));
               out.err = std::move(e);
             });
  return out;
}

inline bool is_file_error(const caf::error& e, file_transfer_errc code) {
  return e == caf::error(static_cast<uint8_t>(code), file_error_category);
}

// A sink that acks every chunk and forwards it (offset, bytes) to `target`.
inline caf::behavior forwarding_sink(caf::event_based_actor*, caf::actor target) {
  return {
    [=](file_chunk_atom, int64_t offset, const byte_buffer& bytes) -> caf::ok_atom {
      caf::anon_send(target, file_chunk_atom::value, offset, bytes);
      return caf::ok_atom::value;
    },
  };
}

// The chunks a forwarding sink sent to the test actor, until `idle` passes
// without one.
inline std::vector<std::pair<int64_t, byte_buffer>> sink_chunks(
  caf::scoped_actor& self, std::chrono::milliseconds idle = 200ms) {
  std::vector<std::pair<int64_t, byte_buffer>> out;
  bool more = true;
  while (more)
    self->receive([&](file_chunk_atom, int64_t at, byte_buffer& b) { out.emplace_back(at, std::move(b)); },
                  caf::after(idle) >> [&] { more = false; });
  return out;
}

} // namespace files_test
