// The API methods the test server answers without a registered handler:
//
//   help.getNearestDc#1fb33026 -> nearestDc#8e1a1775 country this_dc nearest_dc
//   upload.saveFilePart#b304a621 file_id:long file_part:int bytes:bytes -> boolTrue
//     (parts up to 512 KiB; larger ones get FILE_PART_SIZE_INVALID)
//   upload.getFile#be5335be flags:# ... location:InputFileLocation offset:long limit:int
//     -> upload.file#96a18d5 type:storage.fileUnknown mtime:0 bytes:<limit bytes>
//
// getFile serves an endless virtual file whose byte at position p is
// file_byte(p), so a client can check what it downloaded. The location is
// not parsed: offset and limit are the query's last 12 bytes whatever
// InputFileLocation it holds.
#pragma once

#include "mtsender/tests/test_dc/rpc_handler.hpp"

#include <optional>
#include <string>

namespace mtsender::test_dc {

inline constexpr uint32_t help_get_nearest_dc_id = 0x1fb33026;
inline constexpr uint32_t nearest_dc_id = 0x8e1a1775;
inline constexpr uint32_t upload_save_file_part_id = 0xb304a621;
inline constexpr uint32_t upload_get_file_id = 0xbe5335be;
inline constexpr uint32_t upload_file_id = 0x096a18d5;
inline constexpr uint32_t storage_file_unknown_id = 0xaa963b05;

inline constexpr size_t max_file_part_size = 512 * 1024;
inline constexpr int32_t max_get_file_limit = 1024 * 1024;

// Byte `position` of the virtual file upload.getFile serves.
inline uint8_t file_byte(uint64_t position) noexcept {
  return uint8_t((position * 0x9e3779b97f4a7c15ull) >> 56);
}

// The built-in answer for call.query, or nullopt if the method is not built
// in. `is_file` says the answer carries file bytes (never gzip-packed).
std::optional<rpc_reply> builtin_answer(const rpc_call& call, const std::string& country,
                                        bool& is_file);

} // namespace mtsender::test_dc
