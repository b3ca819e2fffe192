// Base64 (RFC 4648) in both alphabets string sessions use: standard (gramjs)
// and URL-safe (Telethon). Decoding is strict about characters (throws
// store_error bad_string_session naming the offset) and lenient about
// missing '=' padding, as Python's and Node's decoders are in practice.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <string>
#include <string_view>

namespace mtsender::store {

enum class base64_alphabet : uint8_t { standard, url_safe };

std::string base64_encode(byte_view data, base64_alphabet a);
byte_buffer base64_decode(std::string_view text, base64_alphabet a);

} // namespace mtsender::store
