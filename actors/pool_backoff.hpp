// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// How long the pool waits before replacing a failed connection: exponential
// in the failures in a row, capped, with +-25% jitter so the slots of a DC
// (and many clients) do not reconnect in lock-step. Pure: randomness is
// passed in.
//
//   auto d = restart_delay(failures, 100ms, 10s, rng);
#pragma once

#include "mtsender/transport/random.hpp"

#include <chrono>

namespace mtsender::pool_detail {

std::chrono::milliseconds restart_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, random_source& rng);

} // namespace mtsender::pool_detail
