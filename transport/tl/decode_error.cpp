#include "mtsender/transport/tl/decode_error.hpp"

namespace mtsender::tl {

const char* to_string(decode_errc code) noexcept {
  switch (code) {
    case decode_errc::truncated: return "truncated";
    case decode_errc::bad_constructor: return "bad_constructor";
    case decode_errc::bad_length: return "bad_length";
    case decode_errc::bad_value: return "bad_value";
    case decode_errc::trailing_bytes: return "trailing_bytes";
    case decode_errc::inflate_failed: return "inflate_failed";
    case decode_errc::too_large: return "too_large";
  }
  return "unknown";
}

decode_error::decode_error(decode_errc code, size_t offset, const std::string& what)
  : transport_error("tl: " + what + " at offset " + std::to_string(offset)),
    code_(code), offset_(offset) {}

} // namespace mtsender::tl
