#include "mtsender/transport/files/file_error.hpp"

namespace mtsender::files {

const char* to_string(file_errc code) noexcept {
  switch (code) {
    case file_errc::empty_file: return "empty_file";
    case file_errc::too_large: return "too_large";
    case file_errc::bad_part_size: return "bad_part_size";
    case file_errc::bad_range: return "bad_range";
    case file_errc::bad_cdn_redirect: return "bad_cdn_redirect";
    case file_errc::cdn_hash_missing: return "cdn_hash_missing";
    case file_errc::cdn_hash_mismatch: return "cdn_hash_mismatch";
  }
  return "unknown";
}

file_error::file_error(file_errc code, const std::string& what)
  : transport_error(std::string("files: ") + what), code_(code) {}

} // namespace mtsender::files
