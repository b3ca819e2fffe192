// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
//
// The broker class of the pool and of the connection: a stateful broker
// whose turns on the I/O thread are short, with a hook at the end of each.
//
// CAF 0.17 lets a broker handle every message in its mailbox before the I/O
// thread moves on, and under load callers refill a mailbox as fast as it
// drains. The pool then handed its connection one batch of hundreds of
// requests per turn, and pool, connection and server worked in lock step,
// each idle while another ran: at 512 in flight the I/O thread was busy only
// some 60% of the time. Short turns keep several batches moving through all
// of them at once (figures in the README's Benchmarks section).
//
// The end of a turn is the latest moment what the turn's messages produced
// leaves (the pool's routed batches; the connection's frame, unless its
// message to self comes first): later adds a wait for them and nothing else.
// A message to self alone queues behind all that arrives meanwhile.
//
//   void end_of_turn(caf::stateful_actor<my_state, caf::io::broker>* self);
//   auto a = sys.middleman().spawn_broker(
//     [](detail::turn_bounded_broker<my_state, end_of_turn>* self) -> caf::behavior {...});
//
// end_of_turn runs outside any message handler, where CAF no longer checks
// whether the actor ended: it must not quit (sending is fine).
#pragma once

#include <caf/io/broker.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <cstddef>

namespace mtsender::detail {

// Messages per turn, measured at 512 in flight (bench_speed): unbounded,
// the pool with one connection was 20-30% slower. 64 to 256 were alike in
// short runs; in whole bench_speed runs 256 gave the pool of one connection
// 0.89 of the bare connection's rate where 128 gave 1.02, and 384 or more
// was slower still.
inline constexpr size_t messages_per_turn = 128;

template <class State, void (*EndOfTurn)(caf::stateful_actor<State, caf::io::broker>*)>
class turn_bounded_broker : public caf::stateful_actor<State, caf::io::broker> {
public:
  using super = caf::stateful_actor<State, caf::io::broker>;
  using super::super;

  caf::resumable::resume_result resume(caf::execution_unit* ctx, size_t max_throughput) override {
    auto result = super::resume(ctx, std::min(max_throughput, messages_per_turn));
    if (result != caf::resumable::done)   // when done, the state is gone
      EndOfTurn(this);
    return result;
  }
};

} // namespace mtsender::detail
