// The real clock, for transport/ objects that take time as an input
// (transport/ itself never reads a clock; actors do).
#pragma once

#include "mtsender/transport/session/clock.hpp"

#include <chrono>

namespace mtsender {

class wall_clock final : public session::clock_source {
public:
  int64_t unix_time_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
  }
};

} // namespace mtsender
