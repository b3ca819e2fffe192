// A stage for answers, to test requests that come through a chain of actors
// (CAF's forwarding stages): `relay * target` is a composed actor that sends a
// request to target, whose answer then goes through the relay, which appends
// relay_mark to the bytes, and on to the caller.
//
//   auto chain = spawn_answer_relay(sys) * caf::actor_cast<caf::actor>(pool);
//   auto o = ask<outcome>(self, chain, invoke_atom::value, int32_t{2}, req);
#pragma once

#include "mtsender/messages/rpc.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdint>
#include <utility>

namespace mtsender::actor_test {

inline constexpr uint8_t relay_mark = 0x5a;

inline caf::actor spawn_answer_relay(caf::actor_system& sys) {
  return sys.spawn([]() -> caf::behavior {
    return {[](rpc_response& r) {
      r.bytes.push_back(relay_mark);
      return std::move(r);
    }};
  });
}

// One request and its answer; Outcome has answers, value and err (the
// fixtures' outcome types).
template <class Outcome, class... Ts>
Outcome ask(caf::scoped_actor& self, const caf::actor& target, Ts&&... xs) {
  Outcome o;
  self->request(target, std::chrono::seconds(10), std::forward<Ts>(xs)...)
    .receive(
      [&](rpc_response& r) {
        ++o.answers;
        o.value = std::move(r);
      },
      [&](caf::error& e) {
        ++o.answers;
        o.err = std::move(e);
      });
  return o;
}

} // namespace mtsender::actor_test
