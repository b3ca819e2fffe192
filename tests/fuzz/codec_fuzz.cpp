// libFuzzer target: every framing codec (transport/codec), both sides.
//
// Input: a config byte, the split points, then the stream or a script.
//   config bits 0-2: framing (abridged, intermediate, padded, full, then
//                    obfuscated2 over abridged / intermediate / padded)
//          bit 3:    obfuscated2 through an MTProxy secret
//          bits 4-5: mode (below)
//          bits 6-7: max_frame_size (default, 64, 1024, 65536)
//   u8 n, then n u16 split points (taken modulo the wire size)
//   mode 0: the rest is raw wire bytes for the server's framing detector
//   mode 1: the rest is the plaintext inner stream the client receives
//   mode 2: the rest is the plaintext inner stream the server receives
//           (behind the framing's tag, or a valid obfuscated2 header)
//   mode 3: the rest is a script of packets, transport errors and quick acks
//           sent both ways (see round_trip below)
//
// Invariants:
// - the stream fed whole and fed in pieces cut at the split points gives the
//   same frames and ends in the same way (same frame_errc, or incomplete);
// - obfuscated2 over an inner framing reads exactly what the inner framing
//   reads from the decrypted stream, and the detector finds the framing the
//   stream was made for;
// - what one side encodes, the other decodes: same packets (padded framings
//   may add 0..15 bytes), quick-ack requests, transport errors and tokens;
// - nothing but frame_error escapes from decoding (anything else aborts).
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/codec/abridged_codec.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/codec/full_codec.hpp"
#include "mtsender/transport/codec/intermediate_codec.hpp"
#include "mtsender/transport/codec/obfuscated2_codec.hpp"
#include "mtsender/transport/codec/obfuscation_header.hpp"
#include "mtsender/transport/crypto/aes_ctr.hpp"
#include "mtsender/transport/hex.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

using namespace mtsender;
using namespace mtsender::codec;
using mtsender::fuzz::fuzz_input;
using mtsender::test_support::seeded_random;

namespace {

struct got_frame {
  frame::kind type;
  byte_buffer payload;
  int32_t error_code;
  uint32_t token;
  bool quick_ack_requested;

  bool operator==(const got_frame& o) const {
    return type == o.type && payload == o.payload && error_code == o.error_code
           && token == o.token && quick_ack_requested == o.quick_ack_requested;
  }
};

// How reading a stream ended: the frames, then an error or "needs more".
struct outcome {
  std::vector<got_frame> frames;
  std::optional<frame_errc> error;
  bool detected = false;  // server side: the detector returned a codec
  framing kind = framing::abridged;
  int16_t dc = 0;

  bool operator==(const outcome& o) const {
    return frames == o.frames && error == o.error && detected == o.detected
           && (!detected || (kind == o.kind && dc == o.dc));
  }
};

std::string describe(const outcome& o) {
  std::string s = std::to_string(o.frames.size()) + " frames";
  for (auto& f : o.frames)
    s += " [" + std::to_string(int(f.type)) + " " + std::to_string(f.payload.size()) + "B "
         + std::to_string(f.error_code) + " " + std::to_string(f.token) + " "
         + std::to_string(f.quick_ack_requested) + "]";
  s += o.error ? std::string(", error ") + to_string(*o.error) : std::string(", no error");
  if (o.detected)
    s += std::string(", detected ") + to_string(o.kind);
  return s;
}

void drain(frame_codec& c, outcome& out) {
  frame f;
  while (c.next(f))
    out.frames.push_back({f.type, f.payload.to_buffer(), f.error_code, f.quick_ack_token,
                          f.quick_ack_requested});
}

// Feeds `wire` cut at `cuts` (ascending, inside the wire) to `feed`, which
// returns the codec to drain once there is one.
outcome feed_in_pieces(byte_view wire, const std::vector<size_t>& cuts,
                       const std::function<frame_codec*(byte_view)>& feed) {
  outcome out;
  size_t at = 0;
  try {
    auto push = [&](byte_view piece) {
      if (frame_codec* c = feed(piece))
        drain(*c, out);
    };
    for (size_t cut : cuts) {
      push(wire.sub(at, cut - at));
      at = cut;
    }
    push(wire.sub(at));
  } catch (const frame_error& e) {
    out.error = e.code();
  }
  return out;
}

// The server side: a framing detector, then the codec it builds.
outcome server_reads(byte_view wire, const std::vector<size_t>& cuts, size_t max_frame,
                     const std::optional<int128>& secret) {
  seeded_random rng{11};
  framing_detector det{rng, max_frame, secret};
  std::unique_ptr<frame_codec> codec;
  auto out = feed_in_pieces(wire, cuts, [&](byte_view piece) -> frame_codec* {
    if (codec) {
      codec->feed(piece);
    } else {
      codec = det.feed(piece);
    }
    return codec.get();
  });
  if (codec) {
    out.detected = true;
    out.kind = codec->kind();
    out.dc = det.requested_dc();
  }
  return out;
}

outcome codec_reads(frame_codec& codec, byte_view wire, const std::vector<size_t>& cuts) {
  return feed_in_pieces(wire, cuts, [&](byte_view piece) {
    codec.feed(piece);
    return &codec;
  });
}

const framing kinds[] = {framing::abridged, framing::intermediate,
                         framing::padded_intermediate, framing::full};

struct config {
  framing kind;          // of the connection
  framing inner;         // the framing that carries frames (== kind unless obfuscated2)
  std::optional<int128> secret;
  size_t max_frame;
  int mode;
};

config read_config(fuzz_input& in) {
  const uint8_t b = in.u8();
  config c;
  const int k = b & 7;
  c.kind = k < 4 ? kinds[k] : framing::obfuscated2;
  c.inner = k < 4 ? kinds[k] : kinds[(k - 4) % 3];
  if (c.kind == framing::obfuscated2 && (b & 8)) {
    int128 s;
    for (size_t i = 0; i < s.size(); ++i)
      s[i] = uint8_t(0xa0 + i);
    c.secret = s;
  }
  c.mode = (b >> 4) & 3;
  const size_t max_frames[] = {default_max_frame_size, 64, 1024, 65536};
  c.max_frame = max_frames[b >> 6];
  return c;
}

std::vector<uint16_t> read_cut_script(fuzz_input& in) {
  std::vector<uint16_t> raw(in.u8() % 17);
  for (auto& r : raw)
    r = in.u16();
  return raw;
}

// Split points for a wire of `size` bytes: ascending, distinct, inside it.
std::vector<size_t> cuts_for(const std::vector<uint16_t>& raw, size_t size) {
  std::vector<size_t> cuts;
  for (auto r : raw)
    if (size > 0)
      cuts.push_back(r % size);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

std::unique_ptr<frame_codec> plain_codec(framing f, side role, size_t max_frame,
                                         random_source& rng) {
  switch (f) {
    case framing::abridged: return make_abridged_codec(role, max_frame, false);
    case framing::intermediate:
      return make_intermediate_codec(role, false, max_frame, false, rng);
    case framing::padded_intermediate:
      return make_intermediate_codec(role, true, max_frame, false, rng);
    default: return make_full_codec(max_frame);
  }
}

obfuscation_header fixed_header(const config& c, uint64_t seed) {
  seeded_random rng{seed};
  return make_obfuscation_header(rng, obfuscation_tag(c.inner), int16_t(seed % 5) - 2);
}

// Whole and split must agree; `what` names the stream for the report.
void check_split_agrees(const outcome& whole, const outcome& split, const char* what) {
  FUZZ_CHECK(whole == split, std::string(what) + ": whole stream gave " + describe(whole)
                               + " but split stream gave " + describe(split));
}

// ------------------------------------------------------------- mode 0: raw

void raw_wire(const config& c, const std::vector<uint16_t>& raw_cuts, byte_view wire) {
  const auto cuts = cuts_for(raw_cuts, wire.size());
  auto whole = server_reads(wire, {}, c.max_frame, c.secret);
  auto split = server_reads(wire, cuts, c.max_frame, c.secret);
  check_split_agrees(whole, split, "server reading raw wire");
}

// ------------------------------------------------- mode 1: client receives

void client_receives(const config& c, const std::vector<uint16_t>& raw_cuts,
                     byte_view stream) {
  seeded_random rng{5};
  const auto cuts = cuts_for(raw_cuts, stream.size());
  if (c.kind != framing::obfuscated2) {
    auto a = plain_codec(c.kind, side::client, c.max_frame, rng);
    auto b = plain_codec(c.kind, side::client, c.max_frame, rng);
    check_split_agrees(codec_reads(*a, stream, {}), codec_reads(*b, stream, cuts),
                       "client reading");
    return;
  }
  // The server encrypts the inner stream with its own key stream of the
  // header the client sent.
  const auto header = fixed_header(c, 7);
  const auto keys = derive_obfuscation_keys(header, side::server, c.secret);
  byte_buffer wire = stream.to_buffer();
  crypto::aes_ctr{keys.encrypt_key, keys.encrypt_iv}.apply(wire.data(), wire.size());
  const auto wire_cuts = cuts_for(raw_cuts, wire.size());

  auto make = [&] {
    return make_obfuscated2_client_codec(header, c.secret,
                                         plain_codec(c.inner, side::client, c.max_frame, rng));
  };
  auto a = make();
  auto b = make();
  auto whole = codec_reads(*a, wire, {});
  check_split_agrees(whole, codec_reads(*b, wire, wire_cuts), "client reading obfuscated2");
  auto inner = plain_codec(c.inner, side::client, c.max_frame, rng);
  auto plain = codec_reads(*inner, stream, cuts);
  FUZZ_CHECK(whole == plain, "obfuscated2 client read " + describe(whole) + ", its inner "
                               + to_string(c.inner) + " framing read " + describe(plain));
}

// ------------------------------------------------- mode 2: server receives

void server_receives(const config& c, const std::vector<uint16_t>& raw_cuts,
                     uint64_t header_seed, byte_view stream) {
  byte_buffer wire;
  if (c.kind == framing::obfuscated2) {
    // What a client sends: the header with bytes 56..64 encrypted, then the
    // stream under the same key stream (see obfuscation_header.hpp).
    const auto header = fixed_header(c, header_seed);
    const auto keys = derive_obfuscation_keys(header, side::client, c.secret);
    crypto::aes_ctr enc{keys.encrypt_key, keys.encrypt_iv};
    obfuscation_header sealed = header;
    enc.apply(sealed.data(), sealed.size());
    wire.assign(header.begin(), header.begin() + 56);
    wire.insert(wire.end(), sealed.begin() + 56, sealed.end());
    size_t at = wire.size();
    wire.insert(wire.end(), stream.begin(), stream.end());
    enc.apply(wire.data() + at, wire.size() - at);
  } else {
    const uint8_t tags[][4] = {{0xef}, {0xee, 0xee, 0xee, 0xee}, {0xdd, 0xdd, 0xdd, 0xdd}, {}};
    const size_t tag_size[] = {1, 4, 4, 0};
    const auto k = size_t(c.kind);
    wire.assign(tags[k], tags[k] + tag_size[k]);
    wire.insert(wire.end(), stream.begin(), stream.end());
  }
  auto whole = server_reads(wire, {}, c.max_frame, c.secret);
  check_split_agrees(whole, server_reads(wire, cuts_for(raw_cuts, wire.size()), c.max_frame,
                                         c.secret),
                     "server reading");

  // The inner framing on the plaintext stream must read the same frames.
  seeded_random rng{5};
  auto inner = plain_codec(c.inner, side::server, c.max_frame, rng);
  auto plain = codec_reads(*inner, stream, {});
  if (c.kind == framing::full) {
    // The detector judges a full stream by its first 8 bytes (length >= 16,
    // seqno 0) and may refuse it before the codec could: compare only what
    // it accepted, and never refuse a stream whose first frame is good.
    if (!whole.detected) {
      FUZZ_CHECK(plain.frames.empty(),
                 "the detector refused a full stream the full codec reads: " + describe(plain));
      return;
    }
    if (whole.kind != framing::full)
      return;  // 8 bytes that are no full frame: another framing's business
  } else {
    if (wire.size() >= (c.kind == framing::obfuscated2 ? 64u : 1u))
      FUZZ_CHECK(whole.detected && whole.kind == c.kind,
                 std::string("the detector did not find ") + to_string(c.kind) + ": "
                   + describe(whole));
  }
  whole.detected = false;
  FUZZ_CHECK(whole == plain, std::string("server over ") + to_string(c.kind) + " read "
                               + describe(whole) + ", the plain " + to_string(c.inner)
                               + " codec read " + describe(plain));
}

// ------------------------------------------------------ mode 3: round trip

struct sent {
  enum class what : uint8_t { packet, error, ack } type;
  byte_buffer packet;
  bool quick_ack = false;
  int32_t code = 0;
  uint32_t token = 0;
};

// A packet a real peer could send: a multiple of 4 bytes, and long enough
// that it cannot read as a transport error (4 bytes, or under 20 with
// padding: see detail::fill_frame).
byte_buffer make_packet(fuzz_input& in, bool padded) {
  const size_t words = (padded ? 5 : 2) + in.u8() % 160;
  byte_view pattern = in.sized_bytes();
  byte_buffer p(words * 4);
  for (size_t i = 0; i < p.size(); ++i)
    p[i] = pattern.empty() ? uint8_t(i * 7) : pattern[i % pattern.size()];
  return p;
}

void check_received(const got_frame& f, const sent& s, bool padded, bool full,
                    const char* who) {
  const std::string where = std::string(who) + " frame";
  switch (s.type) {
    case sent::what::packet:
      FUZZ_CHECK(f.type == frame::kind::packet, where + ": not a packet");
      if (padded) {
        FUZZ_CHECK(f.payload.size() >= s.packet.size()
                     && f.payload.size() - s.packet.size() <= 15
                     && byte_view(f.payload).sub(0, s.packet.size()) == byte_view(s.packet),
                   where + ": padded payload is not packet + 0..15 bytes");
      } else {
        FUZZ_CHECK(f.payload == s.packet, where + ": payload differs from the packet sent");
      }
      FUZZ_CHECK(f.quick_ack_requested == (s.quick_ack && !full),
                 where + ": quick-ack request flag lost or invented");
      break;
    case sent::what::error:
      FUZZ_CHECK(f.type == frame::kind::transport_error && f.error_code == s.code,
                 where + ": transport error " + std::to_string(s.code) + " came out as "
                   + std::to_string(int(f.type)) + "/" + std::to_string(f.error_code));
      break;
    case sent::what::ack:
      FUZZ_CHECK(f.type == frame::kind::quick_ack && f.token == (s.token | 0x80000000u),
                 where + ": quick-ack token differs");
      break;
  }
}

void round_trip(const config& c, const std::vector<uint16_t>& raw_cuts, fuzz_input& in) {
  const bool padded = c.inner == framing::padded_intermediate;
  const bool full = c.kind == framing::full;
  std::vector<sent> to_server, to_client;
  for (int i = 0; i < 48 && !in.empty(); ++i) {
    const uint8_t op = in.u8();
    sent s{};
    switch (op % 4) {
      case 0:
      case 1:
        s.type = sent::what::packet;
        s.packet = make_packet(in, padded);
        s.quick_ack = (op & 4) != 0;
        (op % 4 == 0 ? to_server : to_client).push_back(std::move(s));
        break;
      case 2:
        s.type = sent::what::error;
        s.code = int32_t(in.u32() | 0x80000000u);
        to_client.push_back(s);
        break;
      default:
        s.type = sent::what::ack;
        s.token = in.u32();
        if (!full)  // the full framing has no quick acks: nothing is sent
          to_client.push_back(s);
        break;
    }
  }
  if (to_server.empty())  // the server learns the framing from the client's first frame
    to_server.push_back({sent::what::packet, byte_buffer(padded ? 20 : 8, 0x11), false, 0, 0});

  seeded_random rng{c.max_frame};
  codec_options opts;
  opts.kind = c.kind;
  opts.inner = c.inner;
  opts.proxy_secret = c.secret;
  opts.dc_id = 3;
  opts.max_frame_size = c.max_frame;
  auto client = make_client_codec(opts, rng);
  byte_buffer c2s;
  // Padding may add 15 bytes, which the receiver counts against its limit.
  const size_t largest = (c.max_frame - (padded ? 15 : 0)) / 4 * 4;
  for (auto& s : to_server) {
    if (s.packet.size() > largest)
      s.packet.resize(largest);
    client->encode(s.packet, c2s, s.quick_ack);
  }

  auto whole = server_reads(c2s, {}, c.max_frame, c.secret);
  check_split_agrees(whole, server_reads(c2s, cuts_for(raw_cuts, c2s.size()), c.max_frame,
                                         c.secret),
                     "server reading the client's frames");
  FUZZ_CHECK(!whole.error, "server refused what the client encoded: " + describe(whole));
  FUZZ_CHECK(whole.detected && whole.kind == c.kind,
             std::string("server did not detect ") + to_string(c.kind));
  FUZZ_CHECK(c.kind != framing::obfuscated2 || whole.dc == 3, "obfuscated2 DC id lost");
  FUZZ_CHECK(whole.frames.size() == to_server.size(),
             "client sent " + std::to_string(to_server.size()) + " frames, server read "
               + std::to_string(whole.frames.size()));
  for (size_t i = 0; i < to_server.size(); ++i)
    check_received(whole.frames[i], to_server[i], padded, full, "server");

  // The server answers on the codec the detector built for this connection.
  seeded_random server_rng{17};
  framing_detector det{server_rng, c.max_frame, c.secret};
  auto server = det.feed(c2s);
  FUZZ_CHECK(server != nullptr, "detector needs more than a whole first frame");
  byte_buffer s2c;
  for (auto& s : to_client) {
    switch (s.type) {
      case sent::what::packet:
        if (s.packet.size() > largest)
          s.packet.resize(largest);
        server->encode(s.packet, s2c, s.quick_ack);
        s.quick_ack = false;  // a server cannot ask for quick acks
        break;
      case sent::what::error: server->encode_transport_error(s.code, s2c); break;
      case sent::what::ack: server->encode_quick_ack(s.token, s2c); break;
    }
  }
  auto got = codec_reads(*client, s2c, cuts_for(raw_cuts, s2c.size()));
  FUZZ_CHECK(!got.error, "client refused what the server encoded: " + describe(got));
  FUZZ_CHECK(got.frames.size() == to_client.size(),
             "server sent " + std::to_string(to_client.size()) + " frames, client read "
               + std::to_string(got.frames.size()));
  for (size_t i = 0; i < to_client.size(); ++i)
    check_received(got.frames[i], to_client[i], padded, full, "client");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_input in{data, size};
  const config c = read_config(in);
  const auto cuts = read_cut_script(in);
  switch (c.mode) {
    case 0: raw_wire(c, cuts, in.rest()); break;
    case 1: client_receives(c, cuts, in.rest()); break;
    case 2: {
      const uint64_t seed = in.u8();
      server_receives(c, cuts, seed, in.rest());
      break;
    }
    default: round_trip(c, cuts, in); break;
  }
  return 0;
}
