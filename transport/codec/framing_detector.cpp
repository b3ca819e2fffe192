#include "mtsender/transport/codec/frame_codec.hpp"

#include "mtsender/transport/codec/abridged_codec.hpp"
#include "mtsender/transport/codec/full_codec.hpp"
#include "mtsender/transport/codec/intermediate_codec.hpp"
#include "mtsender/transport/codec/obfuscated2_codec.hpp"
#include "mtsender/transport/hex.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

// How Telegram's servers tell framings apart, and why it needs at most 64
// bytes and never waits for them needlessly:
//   byte 0 == 0xef                 -> abridged
//   int 0 == 0xeeeeeeee/0xdddddddd -> intermediate / padded intermediate
//   int 0 == HTTP verb or TLS      -> rejected (not supported here)
//   int 1 == 0                     -> full (length, then seqno 0)
//   otherwise, with 64 bytes       -> obfuscated2 if the decrypted tag is valid
// Obfuscation headers are drawn so that none of the first four rules fire, so
// a short first full frame (8 bytes suffice) is recognised at once.

namespace mtsender::codec {

namespace {

constexpr size_t obfuscation_header_size = 64;

[[noreturn]] void reject(const std::string& why, byte_view head) {
  size_t shown = std::min<size_t>(head.size(), 16);
  throw frame_error(frame_errc::bad_header,
                    "framing detector: " + why + " (first bytes " + to_hex(head.sub(0, shown))
                      + ")");
}

} // namespace

framing_detector::framing_detector(random_source& rng, size_t max_frame_size,
                                   std::optional<int128> proxy_secret)
  : rng_(rng), max_frame_size_(max_frame_size), secret_(proxy_secret) {}

std::unique_ptr<frame_codec> framing_detector::feed(byte_view bytes) {
  if (done_)
    throw std::logic_error("framing_detector: already detected; feed the codec it returned");
  head_.insert(head_.end(), bytes.begin(), bytes.end());
  if (head_.empty())
    return nullptr;
  byte_view head{head_};
  std::unique_ptr<frame_codec> codec;
  size_t preamble = 0;

  if (head[0] == 0xef) {
    codec = make_abridged_codec(side::server, max_frame_size_, false);
    preamble = 1;
  } else if (head.size() < 4) {
    return nullptr;
  } else {
    uint32_t first = load_le32(head.data());
    switch (first) {
      case 0xeeeeeeee:
        codec = make_intermediate_codec(side::server, false, max_frame_size_, false, rng_);
        preamble = 4;
        break;
      case 0xdddddddd:
        codec = make_intermediate_codec(side::server, true, max_frame_size_, false, rng_);
        preamble = 4;
        break;
      case 0x44414548: case 0x54534f50: case 0x20544547: case 0x4954504f:
        reject("HTTP transport is not supported", head);
      case 0x02010316:
        reject("TLS (fake-TLS proxy) transport is not supported", head);
      default:
        break;
    }
  }

  if (!codec) {
    if (head.size() < 8)
      return nullptr;
    if (load_le32(head.data() + 4) == 0) {
      uint32_t length = load_le32(head.data());
      if (length < 16 || length % 4 != 0)
        reject("full framing: implausible first frame length " + std::to_string(length), head);
      // An oversized length is left to the codec, which names it too_large.
      codec = make_full_codec(max_frame_size_);
    } else {
      if (head.size() < obfuscation_header_size)
        return nullptr;
      obfuscation_header header;
      std::memcpy(header.data(), head.data(), header.size());
      auto keys = derive_obfuscation_keys(header, side::server, secret_);
      crypto::aes_ctr decrypt(keys.decrypt_key, keys.decrypt_iv);
      decrypt.apply(header.data(), header.size());
      auto inner = framing_of_obfuscation_tag(load_le32(header.data() + 56));
      if (!inner)
        reject(secret_ ? "no framing recognised (not obfuscated2 with this proxy secret)"
                       : "no framing recognised",
               head);
      dc_ = int16_t(uint16_t(header[60] | header[61] << 8));
      crypto::aes_ctr encrypt(keys.encrypt_key, keys.encrypt_iv);
      auto plain = *inner == framing::abridged
                     ? make_abridged_codec(side::server, max_frame_size_, false)
                     : make_intermediate_codec(side::server,
                                               *inner == framing::padded_intermediate,
                                               max_frame_size_, false, rng_);
      codec = make_obfuscated2_server_codec(std::move(decrypt), std::move(encrypt),
                                            std::move(plain));
      preamble = obfuscation_header_size;
    }
  }

  if (head.size() > preamble)
    codec->feed(head.sub(preamble));
  head_.clear();
  head_.shrink_to_fit();
  done_ = true;
  return codec;
}

} // namespace mtsender::codec
