// A CDN redirect (upload.fileCdnRedirect, core.telegram.org/cdn) checked
// for what decrypting the CDN's bytes needs: a 32-byte AES-256-CTR key, a
// 16-byte IV and usable hashes. The TL itself is the generated
// api::upload::fileCdnRedirect; this is the download's checked copy of it.
#pragma once

#include "mtsender/api/upload/File.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"

#include <vector>

namespace mtsender::files {

struct cdn_redirect {
  int32_t dc_id = 0;
  byte_buffer file_token;
  int256 key{};
  int128 iv{};
  std::vector<file_hash> hashes;
};

// Throws file_error bad_cdn_redirect naming the field (encryption_key,
// encryption_iv) whose length is wrong.
cdn_redirect check_cdn_redirect(api::upload::fileCdnRedirect r);

} // namespace mtsender::files
