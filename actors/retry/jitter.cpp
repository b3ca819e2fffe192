#include "mtsender/actors/retry/jitter.hpp"

namespace mtsender::retry {

retry_delay uniform_delay(random_source& rng, retry_delay max) {
  if (max.count() <= 0)
    return retry_delay{0};
  auto span = static_cast<uint64_t>(max.count()) + 1;
  return retry_delay{static_cast<retry_delay::rep>(rng.next<uint64_t>() % span)};
}

} // namespace mtsender::retry
