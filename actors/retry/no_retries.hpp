// The policy that never retries: every error goes straight back to the caller.
// For requests that must not repeat, or callers with their own retry loop.
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"

#include <memory>

namespace mtsender::retry {

class no_retries final : public retry_policy {
public:
  retry_decision on_failure(const retry_context&) override {
    return retry_decision::give_up();
  }
};

} // namespace mtsender::retry
