// The error transport/files throws when a transfer cannot follow Telegram's
// file rules or when CDN bytes fail their checks.
//
// The code says what kind of failure it was, so the upload and download
// actors can turn it into a typed actor error without parsing text; what()
// names the value that was wrong.
#pragma once

#include "mtsender/transport/error.hpp"

#include <cstdint>
#include <string>

namespace mtsender::files {

enum class file_errc : uint8_t {
  empty_file = 1,      // Telegram stores no empty file (FILE_PART_EMPTY)
  too_large,           // more parts than the part-count limit allows
  bad_part_size,       // not a multiple of 1 KiB dividing 512 KiB
  bad_range,           // an offset / limit Telegram would refuse
  bad_cdn_redirect,    // a redirect whose key / IV / hashes cannot be used
  cdn_hash_missing,    // CDN bytes not covered by a known hash (ask for more)
  cdn_hash_mismatch,   // CDN bytes whose SHA-256 differs: never handed out
};

const char* to_string(file_errc code) noexcept;

class file_error : public transport_error {
public:
  file_error(file_errc code, const std::string& what);
  file_errc code() const noexcept { return code_; }

private:
  file_errc code_;
};

} // namespace mtsender::files
