#include "mtsender/actors/download_actor.hpp"

#include "mtsender/actors/file_io.hpp"
#include "mtsender/actors/file_rpc.hpp"
#include "mtsender/actors/progress_reporter.hpp"
#include "mtsender/api/upload/getCdnFile.hpp"
#include "mtsender/api/upload/getCdnFileHashes.hpp"
#include "mtsender/api/upload/getFile.hpp"
#include "mtsender/api/upload/reuploadCdnFile.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/transport/files/cdn_cipher.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"
#include "mtsender/transport/files/cdn_redirect.hpp"
#include "mtsender/transport/files/download_plan.hpp"
#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/tl/decode_error.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <map>
#include <optional>

namespace mtsender {
namespace {

using file_retry_atom = caf::atom_constant<caf::atom("fretry")>;
constexpr int max_migrations = 3;
constexpr uint32_t max_reuploads = 5;

struct fetched {
  files::file_range range;
  byte_buffer bytes;   // the whole answer (skip not yet applied)
};

struct download_state {
  download_request req;
  dc_pool pool;
  caf::actor writer;
  std::optional<files::download_plan> plan;
  api::upload::getFile get_file;               // location decoded once; offset, limit per part
  int32_t dc = 0;
  int migrations = 0;
  uint64_t gen = 0;                            // answers of older generations are ignored
  bool finished = false;
  bool have_start = false;
  caf::response_promise rp;
  std::deque<files::file_range> todo;          // to send before asking the plan
  std::map<int64_t, files::file_range> in_flight;   // by request offset
  std::map<int64_t, byte_buffer> ready;        // by first useful offset, skip applied
  std::map<int64_t, int> attempts;
  int64_t deliver_at = 0;                      // next file offset to hand out
  int64_t delivered = 0;                       // acked by the writer / sink
  uint32_t delivering = 0;
  int64_t eof = -1;
  uint64_t retries = 0;
  // CDN
  bool cdn = false;
  files::cdn_redirect redirect;
  files::cdn_hashes hashes;
  bool hashes_pending = false;
  std::vector<fetched> waiting_hashes;         // decrypted, not yet verifiable
  bool reupload_pending = false;
  std::vector<files::file_range> waiting_reupload;
  uint32_t reuploads = 0;
  file_detail::progress_reporter progress;
};

using self_ptr = caf::stateful_actor<download_state>*;
download_state& st(self_ptr self) { return self->state; }
auto& progress_of(self_ptr self) { return self->state.progress; }

void pump(self_ptr self);
void fetch(self_ptr self, files::file_range r);

void fail(self_ptr self, caf::error err) {
  auto& s = st(self);
  if (s.finished)
    return;
  s.finished = true;
  if (s.writer)
    self->send_exit(s.writer, caf::exit_reason::user_shutdown);
  if (s.have_start)
    s.rp.deliver(std::move(err));
  self->quit();
}

size_t held(const download_state& s) {
  return s.in_flight.size() + s.ready.size() + s.delivering + s.waiting_hashes.size()
         + s.waiting_reupload.size();
}

bool done(const download_state& s) {
  return s.eof >= 0 && s.deliver_at >= s.eof && s.delivering == 0 && s.ready.empty();
}

void finish(self_ptr self) {
  auto& s = st(self);
  s.finished = true;
  download_result r;
  r.bytes = s.deliver_at - s.req.offset;
  r.end = s.deliver_at;
  r.dc_id = s.cdn ? s.redirect.dc_id : s.dc;
  r.via_cdn = s.cdn;
  r.part_retries = s.retries;
  r.cdn_reuploads = s.reuploads;
  s.progress.finish(self);
  if (s.writer)
    self->send_exit(s.writer, caf::exit_reason::user_shutdown);
  s.rp.deliver(std::move(r));
  self->quit();
}

void on_delivered(self_ptr self, int64_t n) {
  auto& s = st(self);
  if (s.finished)
    return;
  --s.delivering;
  s.delivered += n;
  s.progress.report(self, progress_of, s.delivered,
                    s.req.size >= 0 ? s.req.size - s.req.offset : -1);
  if (done(s)) {
    finish(self);
    return;
  }
  pump(self);
}

// Hands out ready bytes in file order.
void deliver(self_ptr self) {
  auto& s = st(self);
  while (!s.finished && !s.ready.empty() && s.ready.begin()->first == s.deliver_at) {
    byte_buffer bytes = std::move(s.ready.begin()->second);
    s.ready.erase(s.ready.begin());
    if (bytes.empty())
      continue;
    const int64_t at = s.deliver_at;
    const int64_t n = int64_t(bytes.size());
    s.deliver_at += n;
    ++s.delivering;
    auto on_err = [self](caf::error& e) { fail(self, std::move(e)); };
    if (s.writer) {
      self->request(s.writer, std::chrono::seconds(60), file_write_atom::value, at, std::move(bytes))
        .then([self, n](caf::ok_atom) { on_delivered(self, n); }, on_err);
    } else {
      self->request(s.req.sink, std::chrono::seconds(60), file_chunk_atom::value, at,
                    std::move(bytes))
        .then([self, n](caf::ok_atom) { on_delivered(self, n); },
              [self](caf::error& e) {
                fail(self, make_error(file_transfer_errc::cancelled,
                                      "the sink did not take a chunk: " + to_string(e)));
              });
    }
  }
  if (!s.finished && done(s))
    finish(self);
}

// Verified bytes of range r (the whole answer).
void on_data(self_ptr self, const files::file_range& r, byte_buffer bytes) {
  auto& s = st(self);
  if (bytes.size() > size_t(r.limit)) {
    fail(self, make_error(file_transfer_errc::protocol_violation,
                          "asked " + std::to_string(r.limit) + " bytes at "
                            + std::to_string(r.offset) + ", got " + std::to_string(bytes.size())));
    return;
  }
  if (bytes.size() < size_t(r.limit)) {   // the file ends here
    const int64_t end = r.offset + int64_t(bytes.size());
    if (s.eof < 0 || end < s.eof) {
      s.eof = std::max(end, s.deliver_at);
      s.ready.erase(s.ready.lower_bound(s.eof), s.ready.end());
    }
  }
  if (s.eof >= 0 && r.offset + r.skip >= s.eof) {   // an answer past the end
    deliver(self);
    pump(self);
    return;
  }
  const size_t skip = std::min(bytes.size(), size_t(r.skip));
  if (skip > 0)
    bytes.erase(bytes.begin(), bytes.begin() + ptrdiff_t(skip));
  if (s.eof >= 0 && r.offset + r.skip + int64_t(bytes.size()) > s.eof)
    bytes.resize(size_t(std::max<int64_t>(0, s.eof - r.offset - r.skip)));
  s.ready[r.offset + r.skip] = std::move(bytes);
  deliver(self);
  pump(self);
}

void retry_or_fail(self_ptr self, const files::file_range& r, caf::error e) {
  auto& s = st(self);
  int& n = s.attempts[r.offset];
  if (file_detail::worth_retrying(e) && n < s.req.part_retries) {
    ++n;
    ++s.retries;
    self->delayed_send(self, std::chrono::milliseconds(50 * n), file_retry_atom::value, s.gen,
                       r.offset, r.limit, r.skip);
    return;
  }
  fail(self, std::move(e));
}

// Starts over from the first byte not handed out yet: after a redirect to or
// away from the CDN (parts must then align with its hash ranges).
void replan(self_ptr self, int32_t align) {
  auto& s = st(self);
  ++s.gen;
  s.in_flight.clear();
  s.todo.clear();
  s.ready.clear();
  s.waiting_hashes.clear();
  s.waiting_reupload.clear();
  s.hashes_pending = false;
  s.reupload_pending = false;
  s.plan.emplace(s.deliver_at, s.req.size, s.req.part_size, align);
}

void verify_waiting(self_ptr self);

void ask_hashes(self_ptr self, int64_t at) {
  auto& s = st(self);
  if (s.hashes_pending)
    return;
  s.hashes_pending = true;
  const uint64_t gen = s.gen;
  const size_t known = s.hashes.size();
  file_detail::invoke_file_rpc(
    self, s.pool, s.dc, api::to_bytes(api::upload::getCdnFileHashes{s.redirect.file_token, at}),
    s.req.part_deadline_ms, conn_class::download,
    [self, gen, known, at](const rpc_response& r) {
      auto& s = st(self);
      if (s.finished || gen != s.gen)
        return;
      s.hashes_pending = false;
      try {
        s.hashes.add_answer(decode_result<api::upload::getCdnFileHashes>(r));
      } catch (const transport_error& e) {
        fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
        return;
      }
      if (s.hashes.size() == known) {
        fail(self, make_error(file_transfer_errc::protocol_violation,
                              "upload.getCdnFileHashes at " + std::to_string(at)
                                + " gave no new hash"));
        return;
      }
      verify_waiting(self);
    },
    [self, gen](caf::error& e) {
      auto& s = st(self);
      if (!s.finished && gen == s.gen)
        fail(self, std::move(e));
    });
}

// Decrypted CDN bytes: delivered only once their hashes match.
void check_cdn_part(self_ptr self, fetched f) {
  auto& s = st(self);
  auto v = s.hashes.verify(f.range.offset, f.bytes);
  using st_t = files::cdn_hashes::status;
  switch (v.result) {
    case st_t::ok:
      on_data(self, f.range, std::move(f.bytes));
      return;
    case st_t::missing:
      s.waiting_hashes.push_back(std::move(f));
      ask_hashes(self, v.at);
      return;
    case st_t::mismatch:
      fail(self, make_error(file_transfer_errc::cdn_hash_mismatch,
                            "CDN DC " + std::to_string(s.redirect.dc_id)
                              + " sent bytes whose SHA-256 differs from the file hash at offset "
                              + std::to_string(v.at)));
      return;
    case st_t::unaligned:
      fail(self, make_error(file_transfer_errc::protocol_violation,
                            "CDN part at " + std::to_string(f.range.offset)
                              + " starts inside a hashed range"));
      return;
  }
}

void verify_waiting(self_ptr self) {
  auto& s = st(self);
  auto waiting = std::move(s.waiting_hashes);
  s.waiting_hashes.clear();
  for (auto& f : waiting) {
    if (s.finished)
      return;
    check_cdn_part(self, std::move(f));
  }
}

void reupload(self_ptr self, byte_buffer request_token) {
  auto& s = st(self);
  if (s.reupload_pending)
    return;
  if (s.reuploads >= max_reuploads) {
    fail(self, make_error(file_transfer_errc::protocol_violation,
                          "the CDN still asks for a reupload after "
                            + std::to_string(max_reuploads)));
    return;
  }
  s.reupload_pending = true;
  const uint64_t gen = s.gen;
  file_detail::invoke_file_rpc(
    self, s.pool, s.dc,
    api::to_bytes(api::upload::reuploadCdnFile{s.redirect.file_token, std::move(request_token)}),
    s.req.part_deadline_ms, conn_class::download,
    [self, gen](const rpc_response& r) {
      auto& s = st(self);
      if (s.finished || gen != s.gen)
        return;
      s.reupload_pending = false;
      ++s.reuploads;
      try {
        s.hashes.add_answer(decode_result<api::upload::reuploadCdnFile>(r));
      } catch (const transport_error& e) {
        fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
        return;
      }
      auto again = std::move(s.waiting_reupload);
      s.waiting_reupload.clear();
      for (auto& r2 : again)
        s.todo.push_back(r2);
      pump(self);
    },
    [self, gen](caf::error& e) {
      auto& s = st(self);
      if (!s.finished && gen == s.gen)
        fail(self, std::move(e));
    });
}

void on_master_answer(self_ptr self, const files::file_range& r, const rpc_response& resp) {
  auto& s = st(self);
  api::upload::File a;
  try {
    a = decode_result<api::upload::getFile>(resp);
  } catch (const transport_error& e) {
    fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
    return;
  }
  if (auto* f = a.get_if<api::upload::file>()) {
    on_data(self, r, std::move(f->bytes));
    return;
  }
  if (!s.req.cdn_supported) {
    fail(self, make_error(file_transfer_errc::protocol_violation,
                          "a CDN redirect although cdn_supported was not set"));
    return;
  }
  if (s.cdn)
    return;   // a later part's redirect: the first one already moved us
  s.cdn = true;
  try {
    s.redirect = files::check_cdn_redirect(std::move(a.get<api::upload::fileCdnRedirect>()));
    s.hashes.add(s.redirect.hashes);
  } catch (const transport_error& e) {
    fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
    return;
  }
  // Parts must start on hash ranges to be checked alone.
  int32_t align = 128 * 1024;
  if (!s.redirect.hashes.empty())
    align = s.redirect.hashes.front().limit;
  if (align < 4096 || (align & (align - 1)) != 0 || align > s.req.part_size)
    align = std::min<int32_t>(s.req.part_size, 128 * 1024);
  replan(self, align);
  pump(self);
}

void on_cdn_answer(self_ptr self, const files::file_range& r, const rpc_response& resp) {
  auto& s = st(self);
  api::upload::CdnFile a;
  try {
    a = decode_result<api::upload::getCdnFile>(resp);
  } catch (const transport_error& e) {
    fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
    return;
  }
  if (auto* again = a.get_if<api::upload::cdnFileReuploadNeeded>()) {
    s.waiting_reupload.push_back(r);
    reupload(self, std::move(again->request_token));
    return;
  }
  fetched f{r, std::move(a.get<api::upload::cdnFile>().bytes)};
  try {
    files::cdn_crypt(s.redirect.key, s.redirect.iv, r.offset, f.bytes.data(), f.bytes.size());
  } catch (const transport_error& e) {
    fail(self, make_error(file_transfer_errc::protocol_violation, e.what()));
    return;
  }
  check_cdn_part(self, std::move(f));
}

void on_error(self_ptr self, const files::file_range& r, caf::error e) {
  auto& s = st(self);
  if (auto* rpc = file_detail::rpc_error_of(e)) {
    if (auto to = rpc->migrate_dc(); to && !s.cdn) {
      if (++s.migrations > max_migrations) {
        fail(self, std::move(e));
        return;
      }
      // Everything in flight went to the wrong DC: send it again to DC X.
      s.dc = *to;
      ++s.gen;
      for (auto& kv : s.in_flight)
        s.todo.push_back(kv.second);
      s.todo.push_back(r);
      s.in_flight.clear();
      pump(self);
      return;
    }
    if (rpc->code == 401 && s.migrations > 0) {
      fail(self, make_error(file_transfer_errc::not_authorized,
                            "DC " + std::to_string(s.dc) + " answered " + rpc->message
                              + " after FILE_MIGRATE: the pool has no authorization there "
                                "(export / import it first)"));
      return;
    }
    if (s.cdn && rpc->message == "FILE_TOKEN_INVALID") {
      // The token expired: ask the master DC again from where we are.
      s.cdn = false;
      s.hashes = files::cdn_hashes{};
      replan(self, 4096);
      pump(self);
      return;
    }
  }
  retry_or_fail(self, r, std::move(e));
}

void fetch(self_ptr self, files::file_range r) {
  auto& s = st(self);
  s.in_flight[r.offset] = r;
  const uint64_t gen = s.gen;
  byte_buffer q;
  int32_t dc = s.dc;
  const bool cdn = s.cdn;
  if (cdn) {
    q = api::to_bytes(api::upload::getCdnFile{s.redirect.file_token, r.offset, r.limit});
    dc = s.redirect.dc_id;
  } else {
    s.get_file.offset = r.offset;
    s.get_file.limit = r.limit;
    q = api::to_bytes(s.get_file);
  }
  file_detail::invoke_file_rpc(
    self, s.pool, dc, std::move(q), s.req.part_deadline_ms, conn_class::download,
    [self, gen, r, cdn](const rpc_response& resp) {
      auto& s = st(self);
      if (s.finished || gen != s.gen)
        return;
      s.in_flight.erase(r.offset);
      if (cdn)
        on_cdn_answer(self, r, resp);
      else
        on_master_answer(self, r, resp);
    },
    [self, gen, r](caf::error& e) {
      auto& s = st(self);
      if (s.finished || gen != s.gen)
        return;
      s.in_flight.erase(r.offset);
      on_error(self, r, std::move(e));
    });
}

void pump(self_ptr self) {
  auto& s = st(self);
  while (!s.finished && held(s) < size_t(s.req.window)) {
    files::file_range r;
    if (!s.todo.empty()) {
      r = s.todo.front();
      s.todo.pop_front();
      if (s.eof >= 0 && r.offset + r.skip >= s.eof)
        continue;   // past the end found meanwhile
    } else {
      // With an unknown size the plan never ends: the end found stops it.
      if (s.eof >= 0 && s.plan->next_offset() >= s.eof)
        break;
      auto next = s.plan->next();
      if (!next)
        break;
      r = *next;
    }
    fetch(self, r);
  }
  if (!s.finished && done(s))
    finish(self);
}

caf::behavior download_actor(self_ptr self, dc_pool pool, download_request req) {
  auto& s = st(self);
  if (req.window <= 0)
    req.window = 1;
  s.progress = file_detail::progress_reporter{req.listener, false};
  s.req = std::move(req);
  s.pool = std::move(pool);
  s.dc = s.req.dc_id;
  s.deliver_at = s.req.offset;
  if (s.req.size >= 0)
    s.eof = s.req.size;
  return {
    [=](file_start_atom) -> caf::result<download_result> {
      auto& s = st(self);
      if (s.have_start)
        return make_error(file_transfer_errc::bad_request, "the download was already started");
      s.have_start = true;
      s.rp = self->make_response_promise<download_result>();
      if (s.req.path.empty() && !s.req.sink) {
        fail(self, make_error(file_transfer_errc::bad_request, "no path and no sink to write to"));
        return s.rp;
      }
      try {
        s.plan.emplace(s.req.offset, s.req.size, s.req.part_size);
      } catch (const files::file_error& e) {
        fail(self, make_error(file_transfer_errc::bad_request, e.what()));
        return s.rp;
      }
      try {
        s.get_file.location = api::from_bytes<api::InputFileLocation>(s.req.location);
      } catch (const transport_error& e) {
        fail(self, make_error(file_transfer_errc::bad_request,
                              std::string("the location is not one InputFileLocation: ")
                                + e.what()));
        return s.rp;
      }
      s.get_file.cdn_supported = s.req.cdn_supported;
      if (!s.req.path.empty())
        s.writer = spawn_file_writer(self->home_system(), s.req.path, s.req.offset == 0);
      pump(self);
      return s.rp;
    },
    [=](file_retry_atom, uint64_t gen, int64_t offset, int32_t limit, int32_t skip) {
      auto& s = st(self);
      if (s.finished || gen != s.gen)
        return;
      s.todo.push_front(files::file_range{offset, limit, skip});
      pump(self);
    },
    [=](file_cancel_atom) -> caf::ok_atom {
      fail(self, make_error(file_transfer_errc::cancelled, "the download was cancelled"));
      return caf::ok_atom::value;
    },
  };
}

} // namespace

caf::actor spawn_download(caf::actor_system& sys, dc_pool pool, download_request req) {
  return sys.spawn(download_actor, std::move(pool), std::move(req));
}

} // namespace mtsender
