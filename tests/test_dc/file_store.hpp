// What mtproto-test-dc keeps of files: uploaded parts per (auth key, file
// id), files assembled from them, and the CDN view of those files. Shared by
// every DC of a server (a file may live on another DC), guarded by its own
// mutex, so any DC loop may call it.
//
// Telegram's checks, with Telegram's error names (strict unless lenient):
//   saveFilePart / saveBigFilePart: FILE_PART_INVALID (number < 0 or past the
//     part limit or file_total_parts), FILE_PART_EMPTY, FILE_PART_TOO_BIG
//     (over 512 KiB), FILE_PARTS_INVALID (file_total_parts <= 0, over the
//     limit, changed, or small and big parts mixed), FILE_PART_SIZE_INVALID
//     (a big file's part that is not the last and not a multiple of 1 KiB
//     dividing 512 KiB), FILE_PART_SIZE_CHANGED (two such parts differ);
//   using the InputFile (account.uploadTheme): FILE_PARTS_INVALID (parts out
//     of range, unlike file_total_parts, parts stored past it, small file over
//     10 MB, inputFile for a big upload or the reverse), FILE_PART_X_MISSING
//     (the first missing part), FILE_PART_SIZE_INVALID (parts not all of one
//     valid size but the last, or a last part longer), MD5_CHECKSUM_INVALID.
// Lenient skips the size, md5 and small/big checks; missing parts are
// always an error (nothing could be assembled).
//
// Test location: an assembled file is the document whose id is the upload's
// file id: inputDocumentFileLocation{id = file_id, access_hash =
// test_access_hash(file_id), file_reference = any, thumb_size = ""}.
// Every other InputFileLocation gets the virtual pattern file
// (builtin_methods.hpp: file_byte).
#pragma once

#include "mtsender/tests/test_dc/file_options.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"
#include "mtsender/api/account/uploadTheme.hpp"
#include "mtsender/api/upload/getCdnFile.hpp"
#include "mtsender/api/upload/getCdnFileHashes.hpp"
#include "mtsender/api/upload/getFile.hpp"
#include "mtsender/api/upload/reuploadCdnFile.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/files/cdn_hashes.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace mtsender::test_dc {

constexpr int64_t test_access_hash(int64_t file_id) noexcept {
  return int64_t(uint64_t(file_id) ^ 0x5eed5eed5eed5eedull);
}

// upload.saveFilePart or upload.saveBigFilePart, as the store checks it.
struct saved_part {
  int64_t file_id = 0;
  int32_t part = 0;
  bool big = false;
  int32_t total_parts = 0;   // big only
  byte_buffer bytes;
};
// The query of either; throws tl::decode_error for anything else.
saved_part read_saved_part(byte_view query);

class file_store {
public:
  file_store(file_options opts, bool lenient);

  rpc_reply save_part(uint64_t auth_key_id, saved_part q);
  // Assembles the upload named by `q.file` and answers a document (or an error).
  rpc_reply assemble(int32_t dc_id, uint64_t auth_key_id, const api::account::uploadTheme& q);
  // upload.getFile for a document location; nullopt: not a document
  // location (the caller serves the pattern file).
  std::optional<rpc_reply> get_file(int32_t dc_id, const api::upload::getFile& q);
  rpc_reply get_cdn_file(int32_t dc_id, const api::upload::getCdnFile& q);
  rpc_reply get_cdn_file_hashes(int32_t dc_id, const api::upload::getCdnFileHashes& q);
  rpc_reply reupload_cdn_file(int32_t dc_id, const api::upload::reuploadCdnFile& q);
  rpc_reply cdn_config() const;

  struct stats {
    size_t bytes_kept = 0;
    size_t uploads = 0;        // pending (not assembled)
    size_t files = 0;
    uint64_t evicted = 0;
    uint64_t cdn_reuploads = 0;
  };
  stats snapshot() const;
  // The bytes of an assembled file (tests compare them), or nullopt.
  std::optional<byte_buffer> file_bytes(int64_t id) const;

private:
  struct upload {
    bool big = false;
    int32_t total_parts = 0;    // big only
    int32_t part_size = 0;      // of the first non-last part seen (big)
    std::map<int32_t, byte_buffer> parts;
    size_t bytes = 0;
    uint64_t seq = 0;
  };
  struct stored_file {
    byte_buffer data;
    int32_t dc_id = 0;
    uint64_t seq = 0;
    int256 cdn_key{};
    int128 cdn_iv{};
    bool on_cdn = true;
    std::vector<files::file_hash> hashes;   // made on the first redirect
  };
  using upload_key = std::pair<uint64_t, int64_t>;

  void make_room(size_t incoming);
  void ensure_hashes(stored_file& f) const;
  std::vector<files::file_hash> hashes_from(stored_file& f, int64_t offset) const;
  stored_file* by_token(byte_view token, int64_t* id);
  bool is_cdn(int32_t dc_id) const noexcept { return opts_.cdn_dc != 0 && dc_id == opts_.cdn_dc; }

  const file_options opts_;
  const bool lenient_;
  mutable std::mutex mu_;
  std::map<upload_key, upload> uploads_;
  std::map<int64_t, stored_file> files_;
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t evicted_ = 0;
  uint64_t cdn_reuploads_ = 0;
};

} // namespace mtsender::test_dc
