// Shared helpers: run a client codec against the server codec the detector
// builds, with the wire split wherever a test wants.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"
#include "test_random.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace codec_test {

using namespace mtsender;
using namespace mtsender::codec;

// A frame copied out of the codec (frame::payload dies with the next call).
struct got_frame {
  frame::kind type;
  byte_buffer payload;
  int32_t error_code;
  uint32_t token;
  bool quick_ack_requested;
};

inline std::vector<got_frame> drain(frame_codec& c) {
  std::vector<got_frame> out;
  frame f;
  while (c.next(f))
    out.push_back({f.type, f.payload.to_buffer(), f.error_code, f.quick_ack_token,
                   f.quick_ack_requested});
  return out;
}

// Packets around every length boundary: abridged switches to 4-byte lengths
// at 127 words (508 bytes).
inline std::vector<byte_buffer> sample_packets() {
  std::vector<byte_buffer> out;
  for (size_t size : {4u, 8u, 40u, 504u, 508u, 512u, 1028u}) {
    byte_buffer p(size);
    for (size_t i = 0; i < size; ++i)
      p[i] = uint8_t(size + i * 13);
    out.push_back(std::move(p));
  }
  return out;
}

// Feeds `wire` to a fresh detector cut at `cuts` (ascending positions),
// collecting frames as soon as a codec exists.
struct server_run {
  std::unique_ptr<frame_codec> codec;
  std::vector<got_frame> frames;
  int16_t dc = 0;
};

inline server_run run_server(byte_view wire, const std::vector<size_t>& cuts,
                             random_source& rng,
                             size_t max_frame_size = default_max_frame_size,
                             std::optional<int128> secret = std::nullopt) {
  server_run r;
  framing_detector det(rng, max_frame_size, secret);
  size_t at = 0;
  auto push = [&](byte_view piece) {
    if (r.codec) {
      r.codec->feed(piece);
    } else {
      r.codec = det.feed(piece);
      if (r.codec)
        r.dc = det.requested_dc();
    }
    if (r.codec) {
      auto more = drain(*r.codec);
      r.frames.insert(r.frames.end(), more.begin(), more.end());
    }
  };
  for (size_t cut : cuts) {
    push(wire.sub(at, cut - at));
    at = cut;
  }
  push(wire.sub(at));
  return r;
}

// For padded_intermediate the payload is packet ‖ 0..15 random bytes.
inline void check_payload(const got_frame& f, const byte_buffer& packet, bool padded) {
  REQUIRE(f.type == frame::kind::packet);
  if (padded) {
    REQUIRE(f.payload.size() >= packet.size());
    REQUIRE(f.payload.size() - packet.size() <= 15);
    REQUIRE(byte_view(f.payload).sub(0, packet.size()) == byte_view(packet));
  } else {
    REQUIRE(f.payload == packet);
  }
}

inline std::string describe(const codec_options& o) {
  std::string s = to_string(o.kind);
  if (o.kind == framing::obfuscated2) {
    s += std::string("/") + to_string(o.inner);
    if (o.proxy_secret)
      s += "+secret";
  }
  return s;
}

inline std::vector<codec_options> all_client_options() {
  std::vector<codec_options> out;
  for (auto k : {framing::abridged, framing::intermediate, framing::padded_intermediate,
                 framing::full}) {
    codec_options o;
    o.kind = k;
    out.push_back(o);
  }
  for (auto inner : {framing::abridged, framing::intermediate, framing::padded_intermediate}) {
    codec_options o;
    o.kind = framing::obfuscated2;
    o.inner = inner;
    o.dc_id = -2;
    out.push_back(o);
    int128 secret;
    for (size_t i = 0; i < 16; ++i)
      secret[i] = uint8_t(0xa0 + i);
    o.proxy_secret = secret;
    o.dc_id = 4;
    out.push_back(o);
  }
  return out;
}

inline bool is_padded(const codec_options& o) {
  return o.kind == framing::padded_intermediate
         || (o.kind == framing::obfuscated2 && o.inner == framing::padded_intermediate);
}

} // namespace codec_test
