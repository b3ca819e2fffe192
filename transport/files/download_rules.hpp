// The offset / limit rules of upload.getFile (core.telegram.org/api/files,
// "Downloading files"), shared by the download planner and mtproto-test-dc:
//
// - offset % 4096 == 0 and limit % 4096 == 0, and 1048576 % limit == 0;
// - with the `precise` flag instead: offset % 1024 == 0, limit % 1024 == 0
//   and limit <= 1048576;
// - in both cases the request stays inside one 1 MiB chunk:
//   offset / 2^20 == (offset + limit - 1) / 2^20.
//
// Telegram answers OFFSET_INVALID or LIMIT_INVALID; check_get_file names
// which rule failed and telegram_error() gives that answer.
#pragma once

#include <cstdint>

namespace mtsender::files {

inline constexpr int32_t max_get_file_limit = 1024 * 1024;

enum class range_violation : uint8_t {
  none = 0,
  offset_negative,
  offset_unaligned,      // offset not a multiple of 4 KiB (1 KiB if precise)
  limit_out_of_range,    // limit <= 0 or over 1 MiB
  limit_unaligned,       // limit not a multiple of 4 KiB (1 KiB if precise)
  limit_not_dividing,    // 1 MiB % limit != 0 (without precise)
  crosses_boundary,      // the range crosses a 1 MiB boundary
};

range_violation check_get_file(int64_t offset, int64_t limit, bool precise) noexcept;

// "OFFSET_INVALID" or "LIMIT_INVALID" (nullptr for none).
const char* telegram_error(range_violation v) noexcept;
const char* describe(range_violation v) noexcept;

} // namespace mtsender::files
