#include "mtsender/store/base64.hpp"

#include "mtsender/store/store_error.hpp"

namespace mtsender::store {
namespace {

const char* chars(base64_alphabet a) {
  return a == base64_alphabet::standard
           ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
           : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

int value_of(char c, base64_alphabet a) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  const char* t = chars(a);
  if (c == t[62])
    return 62;
  if (c == t[63])
    return 63;
  return -1;
}

} // namespace

std::string base64_encode(byte_view data, base64_alphabet a) {
  const char* t = chars(a);
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8 | data[i + 2];
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (size_t rest = data.size() - i) {
    uint32_t v = uint32_t(data[i]) << 16 | (rest == 2 ? uint32_t(data[i + 1]) << 8 : 0);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += rest == 2 ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

byte_buffer base64_decode(std::string_view text, base64_alphabet a) {
  size_t end = text.size();
  size_t pad = 0;
  while (end > 0 && text[end - 1] == '=' && pad < 2) {
    --end;
    ++pad;
  }
  if (end % 4 == 1)
    throw store_error(store_errc::bad_string_session,
                      "base64 text of " + std::to_string(end) + " characters cannot be whole");
  if (pad > 0 && (end + pad) % 4 != 0)
    throw store_error(store_errc::bad_string_session, "base64 padding does not fit the length");
  byte_buffer out;
  out.reserve(end / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int v = value_of(text[i], a);
    if (v < 0)
      throw store_error(store_errc::bad_string_session,
                        std::string("not a base64 character at offset ") + std::to_string(i)
                          + ": '" + text[i] + "'");
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // Leftover bits must be zero, else the text was not made by an encoder.
  if (acc != 0)
    throw store_error(store_errc::bad_string_session, "base64 text has stray trailing bits");
  return out;
}

} // namespace mtsender::store
