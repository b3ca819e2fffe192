// Comparison of secrets (msg_key, nonces, hashes) in time independent of the
// data, so a peer cannot learn a prefix from how fast we reject it.
#pragma once

#include "mtsender/transport/bytes.hpp"

namespace mtsender::crypto {

// True when a and b have the same size and the same bytes.
bool equal_constant_time(byte_view a, byte_view b) noexcept;

} // namespace mtsender::crypto
