#include "mtsender/transport/session/padding.hpp"

#include <algorithm>

namespace mtsender::session {

size_t padding_size(size_t length, const padding_policy& policy, uint8_t draw) noexcept {
  const size_t base = min_padding + (16 - (length + min_padding) % 16) % 16;  // 12..27
  const size_t most = (max_padding - base) / 16;
  const size_t extra = std::min<size_t>(policy.extra_blocks, most);
  const size_t k = extra ? draw % (extra + 1) : 0;
  return base + 16 * k;
}

size_t append_padding(byte_buffer& plaintext, random_source& random,
                      const padding_policy& policy) {
  uint8_t draw = 0;
  if (policy.extra_blocks)
    random.fill(&draw, 1);
  const size_t n = padding_size(plaintext.size(), policy, draw);
  const size_t at = plaintext.size();
  plaintext.resize(at + n);
  random.fill(plaintext.data() + at, n);
  return n;
}

} // namespace mtsender::session
