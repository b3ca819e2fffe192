#include "mtsender/transport/crypto/crc32.hpp"

#include <zlib.h>

#include <climits>

namespace mtsender::crypto {

uint32_t crc32(byte_view data, uint32_t crc) noexcept {
  // zlib takes a uInt length; a frame never comes near that, but stay exact.
  const uint8_t* p = data.data();
  size_t n = data.size();
  uLong value = crc;
  while (n > 0) {
    uInt step = n > UINT_MAX ? UINT_MAX : uInt(n);
    value = ::crc32(value, p, step);
    p += step;
    n -= step;
  }
  return uint32_t(value);
}

} // namespace mtsender::crypto
