// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
//
// Answers a response promise with one allocation where CAF 0.17 makes two.
//
//   deliver_value(self, inv.rp, std::move(response));   // instead of rp.deliver(...)
//
// response_promise::deliver(x) wraps x in a message and the message in a
// mailbox element. A mailbox element can hold the value itself, as send()
// makes it. Every answer of the pool and of a connection is built on the I/O
// thread and freed on the caller's: each malloc there and each free of it on
// another thread is paid per request.
//
// The promise is left satisfied as deliver() leaves it: a later deliver is a
// no-op. A promise that goes through stages (a request forwarded along a
// chain of actors) or has no source takes CAF's own path.
#pragma once

#include <caf/actor_cast.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/response_promise.hpp>

#include <utility>

namespace mtsender::detail {

template <class T>
void deliver_value(caf::local_actor* self, caf::response_promise& rp, T&& x) {
  if (!rp.stages().empty() || !rp.source()) {
    rp.deliver(std::forward<T>(x));
    return;
  }
  auto source = rp.source();
  const auto id = rp.id().response_id();
  rp = caf::response_promise{};
  source->enqueue(caf::make_mailbox_element(caf::actor_cast<caf::strong_actor_ptr>(self), id,
                                            {}, std::forward<T>(x)),
                  self->context());
}

} // namespace mtsender::detail
