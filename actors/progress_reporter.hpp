// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Progress events to an optional listener, as requests the listener acks,
// never waited for: at most one is unacked, and while it is, only the newest
// progress is kept (older ones are worth nothing once a newer exists). A
// listener that never answers costs one event per ack timeout.
#pragma once

#include "mtsender/messages/file_transfer.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <optional>

namespace mtsender::file_detail {

class progress_reporter {
public:
  explicit progress_reporter(caf::actor listener = {}, bool upload = false)
    : listener_(std::move(listener)), upload_(upload),
      start_(std::chrono::steady_clock::now()) {}

  // `Self` owns this reporter in its state at `member` (called again on ack).
  template <class Self, class Get>
  void report(Self* self, Get get, int64_t done, int64_t total) {
    if (!listener_)
      return;
    transfer_progress p;
    p.upload = upload_;
    p.done = done;
    p.total = total;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
                          .count();
    p.bytes_per_second = secs > 0 ? double(done) / secs : 0;
    next_ = p;
    flush(self, get);
  }

  // At the end: the newest progress goes out even with one unacked (the
  // transfer is about to answer, so the listener should see 100%).
  template <class Self>
  void finish(Self* self) {
    if (listener_ && next_)
      self->send(listener_, *next_);
    next_.reset();
  }

private:
  template <class Self, class Get>
  void flush(Self* self, Get get) {
    if (unacked_ || !next_)
      return;
    unacked_ = true;
    auto p = *next_;
    next_.reset();
    auto on_ack = [self, get] {
      auto& me = get(self);
      me.unacked_ = false;
      me.flush(self, get);
    };
    self->request(listener_, std::chrono::seconds(10), p)
      .then([on_ack](caf::ok_atom) { on_ack(); }, [on_ack](caf::error&) { on_ack(); });
  }

  caf::actor listener_;
  bool upload_;
  std::chrono::steady_clock::time_point start_;
  bool unacked_ = false;
  std::optional<transfer_progress> next_;
};

} // namespace mtsender::file_detail
