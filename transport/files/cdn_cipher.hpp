// Decryption of the parts a CDN DC serves (core.telegram.org/cdn): each part
// of upload.cdnFile is AES-256-CTR encrypted with the encryption_key and
// encryption_iv of the upload.fileCdnRedirect, the IV's last 4 bytes
// replaced by offset / 16 in big-endian, so a part can be decrypted alone.
// The same operation encrypts (the test DC uses it to play a CDN).
#pragma once

#include "mtsender/transport/bytes.hpp"

namespace mtsender::files {

// The IV for the part at `offset` (a multiple of 16).
int128 cdn_iv_at(const int128& iv, int64_t offset) noexcept;

// XORs the key stream for [offset, offset + n) into data, in place. Throws
// file_error bad_range for an offset that is negative or not a multiple of 16.
void cdn_crypt(const int256& key, const int128& iv, int64_t offset, uint8_t* data, size_t n);

} // namespace mtsender::files
