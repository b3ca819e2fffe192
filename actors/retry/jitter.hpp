// Uniform random delays from an injected random source (tests pass fixed
// bytes; production passes a CSPRNG), used for the jitter of back-offs.
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"
#include "mtsender/transport/random.hpp"

namespace mtsender::retry {

// Uniform in [0, max] (max < 0 counts as 0). The modulo bias is below 2^-40
// for any delay shorter than a few years, far beneath what jitter needs.
retry_delay uniform_delay(random_source& rng, retry_delay max);

} // namespace mtsender::retry
