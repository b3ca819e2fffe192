#include "mtsender/transport/files/cdn_cipher.hpp"

#include "mtsender/transport/crypto/aes_ctr.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <string>

namespace mtsender::files {

int128 cdn_iv_at(const int128& iv, int64_t offset) noexcept {
  int128 out = iv;
  const uint32_t block = uint32_t(uint64_t(offset) / 16);
  out[12] = uint8_t(block >> 24);
  out[13] = uint8_t(block >> 16);
  out[14] = uint8_t(block >> 8);
  out[15] = uint8_t(block);
  return out;
}

void cdn_crypt(const int256& key, const int128& iv, int64_t offset, uint8_t* data, size_t n) {
  // offset / 16 must fit the 4 IV bytes: files stay below 64 GiB.
  if (offset < 0 || offset % 16 != 0 || uint64_t(offset) / 16 > 0xffffffffull)
    throw file_error(file_errc::bad_range,
                     "CDN part offset " + std::to_string(offset)
                       + " is not a non-negative multiple of 16 below 64 GiB");
  crypto::aes_ctr ctr{key, cdn_iv_at(iv, offset)};
  ctr.apply(data, n);
}

} // namespace mtsender::files
