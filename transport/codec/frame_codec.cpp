#include "mtsender/transport/codec/frame_codec.hpp"

#include "mtsender/transport/codec/abridged_codec.hpp"
#include "mtsender/transport/codec/full_codec.hpp"
#include "mtsender/transport/codec/intermediate_codec.hpp"
#include "mtsender/transport/codec/obfuscated2_codec.hpp"

#include <stdexcept>

namespace mtsender::codec {

const char* to_string(framing f) noexcept {
  switch (f) {
    case framing::abridged: return "abridged";
    case framing::intermediate: return "intermediate";
    case framing::padded_intermediate: return "padded_intermediate";
    case framing::full: return "full";
    case framing::obfuscated2: return "obfuscated2";
  }
  return "unknown framing";
}

const char* to_string(frame_errc code) noexcept {
  switch (code) {
    case frame_errc::too_large: return "too_large";
    case frame_errc::bad_length: return "bad_length";
    case frame_errc::bad_crc: return "bad_crc";
    case frame_errc::bad_seqno: return "bad_seqno";
    case frame_errc::bad_header: return "bad_header";
  }
  return "unknown frame_errc";
}

frame_error::frame_error(frame_errc code, const std::string& what)
  : transport_error(what), code_(code) {}

std::unique_ptr<frame_codec> make_client_codec(const codec_options& opts,
                                               random_source& rng) {
  auto plain = [&](framing kind, bool send_tag) -> std::unique_ptr<frame_codec> {
    switch (kind) {
      case framing::abridged:
        return make_abridged_codec(side::client, opts.max_frame_size, send_tag);
      case framing::intermediate:
        return make_intermediate_codec(side::client, false, opts.max_frame_size, send_tag, rng);
      case framing::padded_intermediate:
        return make_intermediate_codec(side::client, true, opts.max_frame_size, send_tag, rng);
      case framing::full:
        return make_full_codec(opts.max_frame_size);
      case framing::obfuscated2:
        break;
    }
    throw std::invalid_argument(std::string("cannot build a plain codec for ") + to_string(kind));
  };
  if (opts.kind != framing::obfuscated2)
    return plain(opts.kind, true);
  uint32_t tag = obfuscation_tag(opts.inner);  // rejects full and obfuscated2
  auto header = make_obfuscation_header(rng, tag, opts.dc_id);
  return make_obfuscated2_client_codec(header, opts.proxy_secret, plain(opts.inner, false));
}

} // namespace mtsender::codec
