// Which upload.getFile requests fetch a file from a given offset, each one
// valid under download_rules.hpp without the `precise` flag.
//
// A resume offset need not be aligned: the first request starts at the 4 KiB
// boundary below it and `skip` says how many leading bytes of its answer to
// drop. From an offset that is not a multiple of the part size the limits
// grow by powers of two until they are (4 KiB, 8 KiB, ...), so no request
// crosses a 1 MiB boundary; then every request takes part_size bytes.
//
//   files::download_plan plan{resume_at, size_or_minus_1};
//   while (auto r = plan.next()) invoke getFile(r->offset, r->limit) ...
//
// With an unknown size (-1) the planner goes on until the caller sees a short
// answer (fewer bytes than asked: the end of the file) and stops asking.
#pragma once

#include <cstdint>
#include <optional>

namespace mtsender::files {

struct file_range {
  int64_t offset = 0;   // what to send
  int32_t limit = 0;
  int32_t skip = 0;     // leading answer bytes before the wanted start
};

class download_plan {
public:
  // part_size: a power of two from 4 KiB to 1 MiB (throws file_error
  // bad_part_size otherwise). size < 0: unknown. align: the first request
  // starts at a multiple of it (a power of two from 4 KiB to part_size; CDN
  // downloads pass the hash range so every part can be checked alone).
  explicit download_plan(int64_t start, int64_t size = -1,
                         int32_t part_size = 1024 * 1024, int32_t align = 4096);

  // The next request, or nullopt once the known size is covered.
  std::optional<file_range> next();

  int64_t next_offset() const noexcept { return at_; }
  int64_t size() const noexcept { return size_; }
  int32_t part_size() const noexcept { return part_size_; }

private:
  int64_t at_;         // aligned offset of the next request
  int64_t skip_;       // bytes to drop from the first answer
  int64_t size_;
  int32_t part_size_;
};

} // namespace mtsender::files
