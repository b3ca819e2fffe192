// The errors tl::reader throws, built out of line (see reader.hpp).
#include "mtsender/transport/tl/reader.hpp"

namespace mtsender::tl {

void reader::throw_truncated(size_t at, const char* what, size_t need, size_t have) {
  throw decode_error(decode_errc::truncated, at,
                     std::string("truncated input reading ") + what + " (need "
                       + std::to_string(need) + ", have " + std::to_string(have) + ")");
}

void reader::throw_not_bool(size_t at, const char* what, uint32_t id) {
  throw decode_error(decode_errc::bad_constructor, at,
                     std::string("expected boolTrue or boolFalse for ") + what + ", got "
                       + hex_id(id));
}

void reader::throw_wrong_id(size_t at, const char* what, uint32_t expected, uint32_t id) {
  throw decode_error(decode_errc::bad_constructor, at,
                     std::string("expected ") + what + " " + hex_id(expected) + ", got "
                       + hex_id(id));
}

void reader::throw_bad_count(size_t at, const char* what, uint32_t count, size_t left) {
  throw decode_error(decode_errc::bad_length, at,
                     std::string(what) + " claims " + std::to_string(count)
                       + " items but only " + std::to_string(left) + " bytes are left");
}

} // namespace mtsender::tl
