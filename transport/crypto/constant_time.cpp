#include "mtsender/transport/crypto/constant_time.hpp"

#include <openssl/crypto.h>

namespace mtsender::crypto {

bool equal_constant_time(byte_view a, byte_view b) noexcept {
  // Sizes are public (they are on the wire); only the contents are secret.
  if (a.size() != b.size())
    return false;
  if (a.empty())
    return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace mtsender::crypto
