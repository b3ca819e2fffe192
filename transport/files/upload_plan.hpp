// How a file of known size is cut into upload parts, following Telegram's
// rules (core.telegram.org/api/files, "Uploading files"):
//
// - every part but the last has the same size, a multiple of 1 KiB that
//   divides 512 KiB; the last one is shorter (and not empty);
// - a file over 10 MB (10 * 1024 * 1024 bytes) goes through
//   upload.saveBigFilePart with file_total_parts and is named by
//   inputFileBig; a smaller one through upload.saveFilePart and inputFile,
//   whose md5_checksum the server checks when it is not empty;
// - file_part runs from 0 to the part-count limit minus one. The page says
//   0..3999; the limit comes from the app config (upload_max_fileparts_default
//   = 4000, upload_max_fileparts_premium = 8000). The older 3000 figure is
//   from before 2022. We enforce 4000 by default (2000 MiB with 512 KiB
//   parts) since that is what a non-premium account gets; a premium caller
//   passes premium_max_parts.
//
//   auto plan = files::plan_upload(size);          // 512 KiB parts
//   for (int32_t i = 0; i < plan.parts; ++i) send(plan.part_offset(i), plan.part_length(i));
#pragma once

#include <cstdint>

namespace mtsender::files {

inline constexpr int32_t max_part_size = 512 * 1024;
inline constexpr int32_t part_size_unit = 1024;
inline constexpr int64_t big_file_threshold = 10 * 1024 * 1024;   // bigger: saveBigFilePart
inline constexpr int32_t default_max_parts = 4000;
inline constexpr int32_t premium_max_parts = 8000;

// part_size % 1024 == 0 and 524288 % part_size == 0.
constexpr bool valid_part_size(int64_t part_size) noexcept {
  return part_size > 0 && part_size <= max_part_size && part_size % part_size_unit == 0
         && max_part_size % part_size == 0;
}

constexpr bool is_big_file(int64_t size) noexcept { return size > big_file_threshold; }

struct upload_plan {
  int64_t size = 0;
  int32_t part_size = max_part_size;
  int32_t parts = 0;
  bool big = false;   // saveBigFilePart / inputFileBig

  int64_t part_offset(int32_t part) const noexcept { return int64_t(part) * part_size; }
  int32_t part_length(int32_t part) const noexcept {
    const int64_t left = size - part_offset(part);
    return int32_t(left < part_size ? left : part_size);
  }
};

// The plan for `size` bytes. part_size 0 picks the largest (512 KiB: the
// fewest requests, which is what throughput needs). Throws file_error:
// empty_file for 0 bytes, bad_part_size, too_large past max_parts parts.
upload_plan plan_upload(int64_t size, int32_t part_size = 0,
                        int32_t max_parts = default_max_parts);

} // namespace mtsender::files
