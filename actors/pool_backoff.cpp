#include "mtsender/actors/pool_backoff.hpp"

#include <algorithm>

namespace mtsender::pool_detail {

std::chrono::milliseconds restart_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, random_source& rng) {
  if (failures <= 0)
    return std::chrono::milliseconds(0);
  const int shift = std::min(failures - 1, 20);
  const int64_t raw = std::min<int64_t>(cap.count(), base.count() * (int64_t(1) << shift));
  // Uniform factor in [0.75, 1.25).
  const double f = 0.75 + 0.5 * double(rng.next<uint32_t>()) / 4294967296.0;
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(double(raw) * f)));
}

} // namespace mtsender::pool_detail
