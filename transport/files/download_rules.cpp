#include "mtsender/transport/files/download_rules.hpp"

namespace mtsender::files {

range_violation check_get_file(int64_t offset, int64_t limit, bool precise) noexcept {
  constexpr int64_t mib = 1 << 20;
  const int64_t align = precise ? 1024 : 4096;
  if (offset < 0)
    return range_violation::offset_negative;
  if (offset % align != 0)
    return range_violation::offset_unaligned;
  if (limit <= 0 || limit > max_get_file_limit)
    return range_violation::limit_out_of_range;
  if (limit % align != 0)
    return range_violation::limit_unaligned;
  if (!precise && mib % limit != 0)
    return range_violation::limit_not_dividing;
  if (offset / mib != (offset + limit - 1) / mib)
    return range_violation::crosses_boundary;
  return range_violation::none;
}

const char* telegram_error(range_violation v) noexcept {
  switch (v) {
    case range_violation::none: return nullptr;
    case range_violation::offset_negative:
    case range_violation::offset_unaligned: return "OFFSET_INVALID";
    default: return "LIMIT_INVALID";
  }
}

const char* describe(range_violation v) noexcept {
  switch (v) {
    case range_violation::none: return "valid";
    case range_violation::offset_negative: return "negative offset";
    case range_violation::offset_unaligned: return "offset not aligned";
    case range_violation::limit_out_of_range: return "limit not in 1..1048576";
    case range_violation::limit_unaligned: return "limit not aligned";
    case range_violation::limit_not_dividing: return "limit does not divide 1 MiB";
    case range_violation::crosses_boundary: return "range crosses a 1 MiB boundary";
  }
  return "unknown";
}

} // namespace mtsender::files
