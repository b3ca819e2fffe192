// CRC32 (IEEE, as zlib computes it) for the full transport's frame trailer.
#pragma once

#include "mtsender/transport/bytes.hpp"

namespace mtsender::crypto {

// `crc` continues an earlier value, so a frame can be checksummed in parts.
uint32_t crc32(byte_view data, uint32_t crc = 0) noexcept;

} // namespace mtsender::crypto
