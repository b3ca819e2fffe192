#include "mtsender/transport/files/upload_plan.hpp"

#include "mtsender/transport/files/file_error.hpp"

#include <string>

namespace mtsender::files {

upload_plan plan_upload(int64_t size, int32_t part_size, int32_t max_parts) {
  if (size <= 0)
    throw file_error(file_errc::empty_file,
                     "a file of " + std::to_string(size)
                       + " bytes cannot be uploaded (Telegram refuses empty parts)");
  if (part_size == 0)
    part_size = max_part_size;
  if (!valid_part_size(part_size))
    throw file_error(file_errc::bad_part_size,
                     "part size " + std::to_string(part_size)
                       + " is not a multiple of 1024 dividing 524288");
  const int64_t parts = (size + part_size - 1) / part_size;
  if (max_parts <= 0 || parts > max_parts)
    throw file_error(file_errc::too_large,
                     "a file of " + std::to_string(size) + " bytes needs "
                       + std::to_string(parts) + " parts of " + std::to_string(part_size)
                       + " bytes, over the limit of " + std::to_string(max_parts));
  upload_plan p;
  p.size = size;
  p.part_size = part_size;
  p.parts = int32_t(parts);
  p.big = is_big_file(size);
  return p;
}

} // namespace mtsender::files
