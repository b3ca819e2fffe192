// The errors of boxed values and generated readers (see boxed.hpp): every one
// names the TL type, the constructor id or name and, when reading, the offset.
#include "mtsender/transport/api/boxed.hpp"

#include "mtsender/transport/hex.hpp"

namespace mtsender::api {

void throw_bad_get(const char* type, const char* wanted, const char* held) {
  throw std::invalid_argument(std::string("api: ") + type + " holds "
                              + (*held ? held : "nothing") + ", not " + wanted);
}

void throw_empty_write(const char* type) {
  throw encode_error(std::string("api: cannot write an empty ") + type);
}

void throw_unknown_constructor(const char* type, uint32_t id, size_t offset) {
  throw tl::decode_error(tl::decode_errc::bad_constructor, offset,
                         "unknown constructor " + hex_id(id) + " for " + type);
}

void throw_too_deep(const char* type, size_t offset) {
  throw tl::decode_error(tl::decode_errc::bad_value, offset,
                         std::string("objects nested deeper than ")
                           + std::to_string(max_depth) + " levels at " + type);
}

} // namespace mtsender::api
