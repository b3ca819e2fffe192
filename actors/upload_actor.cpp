#include "mtsender/actors/upload_actor.hpp"

#include "mtsender/actors/file_io.hpp"
#include "mtsender/actors/file_rpc.hpp"
#include "mtsender/actors/progress_reporter.hpp"
#include "mtsender/api/InputFile.hpp"
#include "mtsender/api/upload/saveBigFilePart.hpp"
#include "mtsender/api/upload/saveFilePart.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/files/file_error.hpp"
#include "mtsender/transport/files/md5.hpp"
#include "mtsender/transport/files/upload_plan.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <map>

namespace mtsender {
namespace {

using file_retry_atom = caf::atom_constant<caf::atom("fretry")>;

struct upload_state {
  upload_request req;
  dc_pool pool;
  caf::actor reader;                      // path source
  files::upload_plan plan;
  bool planned = false;
  bool finished = false;
  caf::error failure;                     // kept for a start that comes later
  bool have_start = false;
  caf::response_promise start_rp;
  int32_t next_part = 0;                  // next part to read or cut from pushes
  bool read_pending = false;
  std::map<int32_t, byte_buffer> held;    // serialized parts not yet acked
  std::map<int32_t, int> attempts;
  int32_t acked = 0;
  int64_t bytes_acked = 0;
  uint64_t retries = 0;
  files::md5 md5;
  byte_buffer push_buf;                   // pushed bytes of the part being cut
  int64_t pushed = 0;
  std::deque<caf::response_promise> push_waiting;
  file_detail::progress_reporter progress;
};

using self_ptr = caf::stateful_actor<upload_state>*;

upload_state& st(self_ptr self) { return self->state; }
auto& progress_of(self_ptr self) { return self->state.progress; }

void pump(self_ptr self);

void fail(self_ptr self, caf::error err) {
  auto& s = st(self);
  if (s.finished)
    return;
  s.finished = true;
  s.failure = err;   // also the answer to later pushes
  for (auto& rp : s.push_waiting)
    rp.deliver(err);
  s.push_waiting.clear();
  s.held.clear();
  if (s.reader)
    self->send_exit(s.reader, caf::exit_reason::user_shutdown);
  if (s.have_start) {
    s.start_rp.deliver(std::move(err));
    self->quit();
  }   // else: answered to file_start_atom, then quit
}

void finish(self_ptr self) {
  auto& s = st(self);
  s.finished = true;
  upload_result r;
  r.file_id = s.req.file_id;
  r.parts = s.plan.parts;
  r.big = s.plan.big;
  r.size = s.plan.size;
  if (r.big) {
    r.input_file = api::to_bytes(api::InputFile{api::inputFileBig{r.file_id, r.parts, s.req.name}});
  } else {
    r.md5 = s.md5.finish_hex();
    r.input_file =
      api::to_bytes(api::InputFile{api::inputFile{r.file_id, r.parts, s.req.name, r.md5}});
  }
  r.part_retries = s.retries;
  s.progress.finish(self);
  if (s.reader)
    self->send_exit(s.reader, caf::exit_reason::user_shutdown);
  s.start_rp.deliver(std::move(r));
  self->quit();
}

void answer_pushes(self_ptr self) {
  auto& s = st(self);
  while (!s.push_waiting.empty() && s.held.size() < size_t(s.req.window)) {
    s.push_waiting.front().deliver(caf::ok_atom::value);
    s.push_waiting.pop_front();
  }
}

void send_part(self_ptr self, int32_t part) {
  auto& s = st(self);
  auto it = s.held.find(part);
  if (s.finished || it == s.held.end())
    return;
  file_detail::invoke_file_rpc(
    self, s.pool, s.req.dc_id, it->second, s.req.part_deadline_ms, conn_class::upload,
    [self, part](const rpc_response& r) {
      auto& s = st(self);
      if (s.finished || !s.held.count(part))
        return;
      std::string wrong;
      try {
        if (!decode_result<api::upload::saveFilePart>(r))
          wrong = "boolFalse";
      } catch (const transport_error& e) {
        wrong = e.what();
      }
      if (!wrong.empty()) {
        fail(self, make_error(file_transfer_errc::protocol_violation,
                              "upload.save*FilePart of part " + std::to_string(part)
                                + " did not answer boolTrue: " + wrong));
        return;
      }
      s.held.erase(part);
      ++s.acked;
      s.bytes_acked += s.plan.part_length(part);
      s.progress.report(self, progress_of, s.bytes_acked, s.plan.size);
      if (s.acked == s.plan.parts) {
        finish(self);
        return;
      }
      answer_pushes(self);
      pump(self);
    },
    [self, part](caf::error& e) {
      auto& s = st(self);
      if (s.finished || !s.held.count(part))
        return;
      int& n = s.attempts[part];
      if (file_detail::worth_retrying(e) && n < s.req.part_retries) {
        ++n;
        ++s.retries;
        // The pool already backs off per connection; this only keeps a
        // dead link from turning into a tight loop.
        self->delayed_send(self, std::chrono::milliseconds(50 * n), file_retry_atom::value, part);
        return;
      }
      fail(self, std::move(e));
    });
}

// A part's bytes, in file order: into the md5, serialized, sent.
void on_part_bytes(self_ptr self, int32_t part, byte_buffer bytes) {
  auto& s = st(self);
  byte_buffer body;
  if (s.plan.big) {
    body = api::to_bytes(api::upload::saveBigFilePart{s.req.file_id, part, s.plan.parts,
                                                      std::move(bytes)});
  } else {
    s.md5.update(bytes);
    body = api::to_bytes(api::upload::saveFilePart{s.req.file_id, part, std::move(bytes)});
  }
  s.held.emplace(part, std::move(body));
  send_part(self, part);
}

// Path source: read the next part while the window has room, one read at a
// time so reads stay sequential and in order (the md5 needs the order).
void pump(self_ptr self) {
  auto& s = st(self);
  if (s.finished || !s.reader || s.read_pending || !s.planned)
    return;
  if (s.held.size() >= size_t(s.req.window) || s.next_part >= s.plan.parts)
    return;
  const int32_t part = s.next_part++;
  s.read_pending = true;
  self->request(s.reader, std::chrono::seconds(60), file_read_atom::value,
                s.plan.part_offset(part), s.plan.part_length(part))
    .then(
      [self, part](byte_buffer& bytes) {   // mutable: moved on, not copied
        auto& s = st(self);
        s.read_pending = false;
        if (s.finished)
          return;
        on_part_bytes(self, part, std::move(bytes));
        pump(self);
      },
      [self](caf::error& e) { fail(self, std::move(e)); });
}

bool make_plan(self_ptr self, int64_t size) {
  auto& s = st(self);
  try {
    s.plan = files::plan_upload(size, s.req.part_size, s.req.max_parts);
    s.planned = true;
    return true;
  } catch (const files::file_error& e) {
    fail(self, make_error(file_transfer_errc::bad_request, e.what()));
    return false;
  }
}

// Pushed source: cut whole parts out of what was pushed.
void cut_parts(self_ptr self) {
  auto& s = st(self);
  while (!s.finished && s.next_part < s.plan.parts
         && s.push_buf.size() >= size_t(s.plan.part_length(s.next_part))) {
    const size_t n = size_t(s.plan.part_length(s.next_part));
    byte_buffer part(s.push_buf.begin(), s.push_buf.begin() + ptrdiff_t(n));
    s.push_buf.erase(s.push_buf.begin(), s.push_buf.begin() + ptrdiff_t(n));
    on_part_bytes(self, s.next_part++, std::move(part));
  }
}

caf::behavior upload_actor(self_ptr self, dc_pool pool, upload_request req) {
  auto& s = st(self);
  if (req.window <= 0)
    req.window = 1;
  if (req.file_id == 0) {
    crypto::secure_random rng;
    uint8_t b[8];
    rng.fill(b, sizeof b);
    req.file_id = int64_t(load_le64(b) & 0x7fffffffffffffffull) | 1;
  }
  if (req.name.empty()) {
    auto slash = req.path.find_last_of('/');
    req.name = req.path.empty() ? "file" : req.path.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  s.progress = file_detail::progress_reporter{req.listener, true};
  s.req = std::move(req);
  s.pool = std::move(pool);
  if (s.req.path.empty()) {
    make_plan(self, s.req.size);
  } else {
    s.reader = spawn_file_reader(self->home_system(), s.req.path);
  }
  return {
    [=](file_start_atom) -> caf::result<upload_result> {
      auto& s = st(self);
      if (s.have_start)
        return make_error(file_transfer_errc::bad_request, "the upload was already started");
      s.have_start = true;
      s.start_rp = self->make_response_promise<upload_result>();
      if (s.finished) {   // failed before the start (plan, pushes)
        s.start_rp.deliver(s.failure);
        self->quit();
        return s.start_rp;
      }
      if (s.reader) {
        self->request(s.reader, std::chrono::seconds(60), caf::get_atom::value)
          .then(
            [self](int64_t size) {
              auto& s = st(self);
              if (s.finished)
                return;
              if (s.req.size >= 0 && s.req.size != size) {
                fail(self, make_error(file_transfer_errc::bad_request,
                                      "file " + s.req.path + " has " + std::to_string(size)
                                        + " bytes, not the " + std::to_string(s.req.size)
                                        + " given"));
                return;
              }
              if (make_plan(self, size))
                pump(self);
            },
            [self](caf::error& e) { fail(self, std::move(e)); });
      }
      return s.start_rp;
    },
    [=](file_push_atom, const byte_buffer& bytes) -> caf::result<caf::ok_atom> {
      auto& s = st(self);
      if (s.finished)
        return s.failure ? s.failure : make_error(file_transfer_errc::bad_request,
                                                   "the upload is over");
      if (!s.req.path.empty())
        return make_error(file_transfer_errc::bad_request,
                          "this upload reads " + s.req.path + "; nothing can be pushed");
      if (s.pushed + int64_t(bytes.size()) > s.plan.size) {
        auto err = make_error(file_transfer_errc::bad_request,
                              "pushed " + std::to_string(s.pushed + int64_t(bytes.size()))
                                + " bytes into an upload of " + std::to_string(s.plan.size));
        fail(self, err);
        return err;
      }
      s.pushed += int64_t(bytes.size());
      s.push_buf.insert(s.push_buf.end(), bytes.begin(), bytes.end());
      cut_parts(self);
      if (s.finished)
        return s.failure;
      if (s.held.size() < size_t(s.req.window))
        return caf::ok_atom::value;
      s.push_waiting.push_back(self->make_response_promise());
      return caf::delegated<caf::ok_atom>{};
    },
    [=](file_retry_atom, int32_t part) { send_part(self, part); },
    [=](file_cancel_atom) -> caf::ok_atom {
      fail(self, make_error(file_transfer_errc::cancelled, "the upload was cancelled"));
      return caf::ok_atom::value;
    },
  };
}

} // namespace

caf::actor spawn_upload(caf::actor_system& sys, dc_pool pool, upload_request req) {
  return sys.spawn(upload_actor, std::move(pool), std::move(req));
}

} // namespace mtsender
