#include "mtsender/transport/codec/obfuscation_header.hpp"

#include "mtsender/transport/crypto/sha.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mtsender::codec {

uint32_t obfuscation_tag(framing inner) {
  switch (inner) {
    case framing::abridged: return abridged_obfuscation_tag;
    case framing::intermediate: return intermediate_obfuscation_tag;
    case framing::padded_intermediate: return padded_obfuscation_tag;
    default:
      throw std::invalid_argument(std::string("obfuscated2 cannot wrap the ")
                                  + to_string(inner) + " framing");
  }
}

std::optional<framing> framing_of_obfuscation_tag(uint32_t tag) noexcept {
  switch (tag) {
    case abridged_obfuscation_tag: return framing::abridged;
    case intermediate_obfuscation_tag: return framing::intermediate;
    case padded_obfuscation_tag: return framing::padded_intermediate;
    default: return std::nullopt;
  }
}

bool is_forbidden_obfuscation_start(const uint8_t* header) noexcept {
  if (header[0] == 0xef)  // abridged
    return true;
  switch (load_le32(header)) {
    case 0x44414548:  // "HEAD"
    case 0x54534f50:  // "POST"
    case 0x20544547:  // "GET "
    case 0x4954504f:  // "OPTI"ONS
    case 0x02010316:  // TLS handshake record
    case 0xdddddddd:  // padded intermediate
    case 0xeeeeeeee:  // intermediate
      return true;
    default:
      break;
  }
  return load_le32(header + 4) == 0;  // full: seqno 0
}

obfuscation_header make_obfuscation_header(random_source& rng, uint32_t tag, int16_t dc_id) {
  obfuscation_header h{};
  for (int attempt = 0;; ++attempt) {
    if (attempt == 1000)
      throw std::runtime_error("obfuscated2: the random source produced 1000 forbidden "
                               "headers in a row");
    rng.fill(h.data(), h.size());
    if (!is_forbidden_obfuscation_start(h.data()))
      break;
  }
  store_le32(h.data() + 56, tag);
  h[60] = uint8_t(uint16_t(dc_id));
  h[61] = uint8_t(uint16_t(dc_id) >> 8);
  return h;
}

namespace {

void key_with_secret(int256& key, const std::optional<int128>& secret) {
  if (!secret)
    return;
  uint8_t buf[32 + 16];
  std::memcpy(buf, key.data(), 32);
  std::memcpy(buf + 32, secret->data(), 16);
  auto digest = crypto::sha256::hash(byte_view{buf, sizeof(buf)});
  std::memcpy(key.data(), digest.data(), 32);
}

} // namespace

obfuscation_keys derive_obfuscation_keys(const obfuscation_header& header, side role,
                                         const std::optional<int128>& proxy_secret) {
  int256 forward_key;
  int128 forward_iv;
  std::memcpy(forward_key.data(), header.data() + 8, 32);
  std::memcpy(forward_iv.data(), header.data() + 40, 16);

  uint8_t reversed[48];
  std::reverse_copy(header.begin() + 8, header.begin() + 56, reversed);
  int256 backward_key;
  int128 backward_iv;
  std::memcpy(backward_key.data(), reversed, 32);
  std::memcpy(backward_iv.data(), reversed + 32, 16);

  key_with_secret(forward_key, proxy_secret);
  key_with_secret(backward_key, proxy_secret);

  if (role == side::client)
    return {forward_key, forward_iv, backward_key, backward_iv};
  return {backward_key, backward_iv, forward_key, forward_iv};
}

} // namespace mtsender::codec
