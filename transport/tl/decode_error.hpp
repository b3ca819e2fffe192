// The error a TL reader throws on truncated or malformed input.
//
// It carries a code a caller can switch on, the byte offset where reading
// failed and a message naming what was being read, e.g.
// "tl: truncated input reading bytes length at offset 12 (need 4, have 1)".
#pragma once

#include "mtsender/transport/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mtsender::tl {

enum class decode_errc : uint8_t {
  truncated = 1,        // fewer bytes left than the value needs
  bad_constructor,      // a constructor id this position does not allow
  bad_length,           // a length prefix or count that cannot be right
  bad_value,            // a value outside its allowed range (e.g. not a Bool)
  trailing_bytes,       // bytes left over after a complete object
  inflate_failed,       // gzip_packed that zlib refuses
  too_large,            // inflated data over the cap
};

const char* to_string(decode_errc code) noexcept;

class decode_error : public transport_error {
public:
  decode_error(decode_errc code, size_t offset, const std::string& what);

  decode_errc code() const noexcept { return code_; }
  size_t offset() const noexcept { return offset_; }

private:
  decode_errc code_;
  size_t offset_;
};

} // namespace mtsender::tl
