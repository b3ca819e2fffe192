// Random padding of MTProto 2.0 plaintexts.
//
// MTProto 2.0 wants 12..1024 random bytes after the message so that the total
// is a multiple of 16. The smallest choice is 12..27 bytes (what alignment
// needs on top of 12); `extra_blocks` allows that many more 16-byte blocks,
// chosen at random per message, to hide message lengths. The default (0) is
// the fastest; padding_policy::full_range() uses the whole 12..1024.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/random.hpp"

namespace mtsender::session {

inline constexpr size_t min_padding = 12;
inline constexpr size_t max_padding = 1024;

struct padding_policy {
  uint8_t extra_blocks = 0;  // at most 62 (the rest is clamped)

  static padding_policy full_range() noexcept { return {62}; }
};

// Padding length for a plaintext of `length` bytes when the random draw is
// `draw` (any byte): 12..1024, length + result a multiple of 16.
size_t padding_size(size_t length, const padding_policy& policy, uint8_t draw) noexcept;

// Appends random padding to `plaintext`; returns how many bytes it added.
size_t append_padding(byte_buffer& plaintext, random_source& random,
                      const padding_policy& policy);

} // namespace mtsender::session
