// Fan-out of frame_events to listeners with per-listener flow control: each
// event is a request the listener answers; at most max_unacked are open, the
// rest wait in a queue bounded in events and bytes, and overflow drops the oldest (then a `gap`
// event) or unsubscribes the listener. One message object is shared by all
// listeners, so an update body is never copied per listener.
#include "mtsender/actors/pool_state.hpp"

#include <caf/make_message.hpp>

#include <algorithm>

namespace mtsender::pool_detail {
namespace {

void send_event(pool_ptr self, listener& l, caf::message msg);

void on_ack(pool_ptr self, const caf::actor_addr& who, uint64_t epoch);

void pump(pool_ptr self, listener& l) {
  while (l.unacked < l.opts.max_unacked && (l.gap > 0 || !l.queue.empty())) {
    if (l.gap > 0) {
      frame_event gap;
      gap.kind = frame_event_kind::gap;
      gap.value = static_cast<int64_t>(l.gap);
      gap.what = std::to_string(l.gap) + " events dropped: the listener was too slow; resync";
      l.gap = 0;
      send_event(self, l, caf::make_message(std::move(gap)));
    } else {
      auto msg = std::move(l.queue.front().first);
      l.queued_bytes -= l.queue.front().second;
      l.queue.pop_front();
      send_event(self, l, std::move(msg));
    }
  }
}

void send_event(pool_ptr self, listener& l, caf::message msg) {
  ++l.unacked;
  auto who = l.who.address();
  auto epoch = l.epoch;
  auto timeout = std::chrono::milliseconds(std::max<int64_t>(1, l.opts.ack_timeout_ms));
  // Any answer is the ack; an error (timeout, listener gone) frees the
  // credit too, so a stuck listener ends in overflow, not in a stall.
  self->request(l.who, timeout, std::move(msg))
    .then([=](caf::message&) { on_ack(self, who, epoch); },
          [=](caf::error&) { on_ack(self, who, epoch); });
}

void on_ack(pool_ptr self, const caf::actor_addr& who, uint64_t epoch) {
  auto& st = self->state;
  auto i = st.listeners.find(who);
  if (i == st.listeners.end() || i->second.epoch != epoch)
    return;
  auto& l = i->second;
  if (l.unacked > 0)
    --l.unacked;
  pump(self, l);
}

// Returns false when the listener was removed.
bool offer(pool_ptr self, listener& l, const caf::message& msg, size_t bytes) {
  auto& st = self->state;
  if (l.unacked < l.opts.max_unacked && l.queue.empty() && l.gap == 0) {
    send_event(self, l, msg);
    return true;
  }
  const uint64_t byte_cap = std::max<uint64_t>(1, l.opts.max_queued_bytes);
  auto fits = [&] {
    return l.queue.size() < l.opts.max_queued && l.queued_bytes + bytes <= byte_cap;
  };
  if (fits()) {
    l.queue.emplace_back(msg, bytes);
    l.queued_bytes += bytes;
    return true;
  }
  if (l.opts.on_overflow == listener_overflow::unsubscribe)
    return false;
  // drop_oldest: make room for the newest event (dropping the oldest
  // first); an event bigger than the whole budget is dropped itself.
  while (!l.queue.empty() && !fits()) {
    l.queued_bytes -= l.queue.front().second;
    l.queue.pop_front();
    ++l.gap;
    ++st.events_dropped;
  }
  if (fits()) {
    l.queue.emplace_back(msg, bytes);
    l.queued_bytes += bytes;
  } else {
    ++l.gap;
    ++st.events_dropped;
  }
  return true;
}

} // namespace

void publish(pool_ptr self, frame_event ev) {
  auto& st = self->state;
  if (st.listeners.empty() || st.shutting_down)
    return;
  // What an event holds on to while it waits in a queue.
  const size_t bytes = sizeof(frame_event) + ev.body.size() + ev.what.size();
  auto msg = caf::make_message(std::move(ev));
  for (auto i = st.listeners.begin(); i != st.listeners.end();) {
    if (offer(self, i->second, msg, bytes)) {
      ++i;
    } else {
      self->demonitor(i->second.who);
      ++st.listeners_removed;
      i = st.listeners.erase(i);
    }
  }
}

void add_listener(pool_ptr self, caf::actor who, listener_options opts) {
  auto& st = self->state;
  if (!who)
    return;
  if (opts.max_unacked == 0)
    opts.max_unacked = 1;
  auto addr = who.address();
  auto i = st.listeners.find(addr);
  if (i != st.listeners.end()) {
    i->second.opts = opts;  // re-subscribing changes the options only
    pump(self, i->second);
    return;
  }
  self->monitor(who);
  auto& l = st.listeners[addr];
  l.who = std::move(who);
  l.opts = opts;
  l.epoch = st.next_epoch++;
}

bool remove_listener(pool_ptr self, const caf::actor_addr& who) {
  return self->state.listeners.erase(who) > 0;
}

} // namespace mtsender::pool_detail
