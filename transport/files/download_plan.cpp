#include "mtsender/transport/files/download_plan.hpp"

#include "mtsender/transport/files/download_rules.hpp"
#include "mtsender/transport/files/file_error.hpp"

#include <string>

namespace mtsender::files {

namespace {
constexpr int64_t base_align = 4096;
}

download_plan::download_plan(int64_t start, int64_t size, int32_t part_size, int32_t align)
  : at_(0), skip_(0), size_(size), part_size_(part_size) {
  if (part_size < base_align || part_size > max_get_file_limit
      || (part_size & (part_size - 1)) != 0)
    throw file_error(file_errc::bad_part_size,
                     "download part size " + std::to_string(part_size)
                       + " is not a power of two from 4096 to 1048576");
  if (start < 0 || (size >= 0 && start > size))
    throw file_error(file_errc::bad_range,
                     "download start " + std::to_string(start) + " outside a file of "
                       + std::to_string(size) + " bytes");
  if (align < base_align || align > part_size || (align & (align - 1)) != 0)
    throw file_error(file_errc::bad_part_size,
                     "download alignment " + std::to_string(align)
                       + " is not a power of two from 4096 to the part size");
  at_ = start - start % align;
  skip_ = start - at_;
}

std::optional<file_range> download_plan::next() {
  if (size_ >= 0 && at_ + skip_ >= size_)
    return std::nullopt;
  // The largest power of two up to part_size that `at_` is a multiple of:
  // it divides 1 MiB and keeps the request inside one 1 MiB chunk.
  int64_t limit = part_size_;
  while (at_ % limit != 0)
    limit /= 2;
  file_range r;
  r.offset = at_;
  r.limit = int32_t(limit);
  r.skip = int32_t(skip_);
  skip_ = 0;
  at_ += limit;
  return r;
}

} // namespace mtsender::files
