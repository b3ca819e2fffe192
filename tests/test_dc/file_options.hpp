// How mtproto-test-dc treats files (see file_store.hpp): limits, where
// uploaded files live, and its CDN DC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mtsender::test_dc {

struct file_options {
  // Telegram's part-count limit (upload_max_fileparts_default; 8000 premium).
  int32_t max_parts = 4000;
  // Bytes kept in all (uploaded parts not yet assembled plus assembled
  // files); past it the oldest upload or file is forgotten, as Telegram
  // forgets parts after a while (a later use answers FILE_PART_X_MISSING /
  // FILE_ID_INVALID).
  size_t max_bytes = size_t(1) << 30;
  // The DC that keeps assembled files; getFile elsewhere answers
  // 303 FILE_MIGRATE_X. 0: the DC that assembled them.
  int32_t files_dc = 0;
  // A DC of the server that plays a CDN DC (0: none). getFile with
  // cdn_supported then answers upload.fileCdnRedirect for assembled files.
  int32_t cdn_dc = 0;
  // Files start absent from the CDN: getCdnFile answers
  // upload.cdnFileReuploadNeeded until upload.reuploadCdnFile on the master DC.
  bool cdn_reupload_needed = false;
  // The CDN flips the byte at this file offset in what it sends (the hashes
  // stay right), so a client must catch it. -1: never.
  int64_t cdn_corrupt_offset = -1;
  // fileHash range length, and how many ranges a redirect / getCdnFileHashes
  // / reuploadCdnFile answer carries.
  int32_t cdn_hash_range = 128 * 1024;
  int32_t cdn_hashes_per_answer = 8;
  // PEM of the CDN DC's RSA public key, for help.getCdnConfig.
  std::string cdn_public_key_pem;
};

} // namespace mtsender::test_dc
