// Transport framings: turn MTProto packets into TCP bytes and back.
//
// A `frame_codec` is one connection's framing state, both directions. It does
// no I/O: feed it whatever bytes TCP delivered (any split), then pull whole
// frames out; hand it packets and send the bytes it appends.
//
//   auto c = codec::make_client_codec({codec::framing::intermediate}, rng);
//   c->encode(packet, out);          // first call also writes the preamble
//   c->feed(bytes_from_socket);
//   codec::frame f;
//   while (c->next(f)) handle(f);    // throws codec::frame_error on bad input
//
// Server side, the framing is not known until the first bytes arrive:
// `framing_detector` looks at them the way Telegram's servers do and builds
// the matching codec.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/error.hpp"
#include "mtsender/transport/random.hpp"

#include <memory>
#include <optional>
#include <string>

namespace mtsender::codec {

enum class framing : uint8_t {
  abridged,             // 0xef; length in 4-byte words
  intermediate,         // 0xeeeeeeee; 4-byte length
  padded_intermediate,  // 0xdddddddd; 4-byte length, 0..15 random pad bytes
  full,                 // length, seqno, payload, CRC32; no tag
  obfuscated2,          // AES-256-CTR over an inner framing
};

const char* to_string(framing f) noexcept;

// 4 MiB of data plus room for MTProto's headers and padding.
inline constexpr size_t default_max_frame_size = (4u << 20) + 1024;

struct codec_options {
  framing kind = framing::intermediate;
  // With obfuscated2: the framing inside the encryption (abridged,
  // intermediate or padded_intermediate), the DC id put in the header
  // (negative for media DCs) and an optional 16-byte MTProxy secret.
  framing inner = framing::intermediate;
  int16_t dc_id = 0;
  std::optional<int128> proxy_secret;
  size_t max_frame_size = default_max_frame_size;
};

enum class frame_errc : uint8_t {
  too_large = 1,    // declared length above max_frame_size
  bad_length,       // length not a multiple of 4, or too small
  bad_crc,          // full framing: CRC32 mismatch
  bad_seqno,        // full framing: out-of-order frame counter
  bad_header,       // unknown tag or invalid obfuscation header
};

const char* to_string(frame_errc code) noexcept;

class frame_error : public transport_error {
public:
  frame_error(frame_errc code, const std::string& what);
  frame_errc code() const noexcept { return code_; }

private:
  frame_errc code_;
};

// Which end of the connection a codec serves: quick-ack bits mean a request
// client -> server and a token server -> client.
enum class side : uint8_t { client, server };

struct frame {
  enum class kind : uint8_t {
    packet,           // an MTProto packet: `payload`
    transport_error,  // a 4-byte payload holding a negative int32: `error_code`
    quick_ack,        // a quick-ack token from the server: `quick_ack_token`
  };
  kind type = kind::packet;
  // Valid until the next call to feed() or next() on the same codec.
  //
  // padded_intermediate: the payload is the whole frame, i.e. the packet
  // followed by 0..15 random bytes (the codec cannot tell them apart, TDLib
  // does the same). The session must ignore trailing bytes: an encrypted
  // packet is 24 + 16k bytes, so drop (size - 24) % 16 bytes; a plain packet
  // carries its own message_data_length.
  byte_view payload;
  int32_t error_code = 0;        // -404, -429, -444, ...
  // Server -> client: the token as the server computed it, top bit set
  // (first 32 bits of SHA-256 of the encrypted packet, | 0x80000000).
  uint32_t quick_ack_token = 0;
  // Client -> server (server side only): the client asked for a quick ack of
  // this packet (abridged and intermediate framings; full has no such bit).
  bool quick_ack_requested = false;
};

class frame_codec {
public:
  virtual ~frame_codec() = default;

  // Appends one frame carrying `packet` to `out` (after the preamble, on the
  // first call of a client codec). `quick_ack` asks the server for a quick
  // ack (client side only; the full framing has no way to ask, so there it
  // is ignored). Throws std::invalid_argument if the packet is empty, not a
  // multiple of 4 bytes (MTProto packets always are) or larger than the
  // framing can express.
  virtual void encode(byte_view packet, byte_buffer& out, bool quick_ack = false) = 0;
  // Server side: a transport error frame (-404, ...) and a quick-ack token
  // (the top bit is set for you). The full framing has no quick acks:
  // encode_quick_ack appends nothing there.
  virtual void encode_transport_error(int32_t code, byte_buffer& out) = 0;
  virtual void encode_quick_ack(uint32_t token, byte_buffer& out) = 0;

  // Bytes received from the socket, in any split.
  virtual void feed(byte_view bytes) = 0;
  // The next complete frame, if any. Throws frame_error on malformed input;
  // the connection must then be closed.
  virtual bool next(frame& out) = 0;

  virtual framing kind() const noexcept = 0;
};

// `rng` must outlive the codec (padding and the obfuscation header draw
// from it). Throws std::invalid_argument for an obfuscated2 inner framing
// other than abridged / intermediate / padded_intermediate.
std::unique_ptr<frame_codec> make_client_codec(const codec_options& opts,
                                               random_source& rng);

// Server side: detects the framing from the first bytes of a connection.
// With a proxy secret, obfuscated2 headers are read with it (as an MTProxy
// does); the plain framings are still accepted. `rng` pads the server's
// padded_intermediate frames and must outlive the codecs made here.
class framing_detector {
public:
  explicit framing_detector(random_source& rng,
                            size_t max_frame_size = default_max_frame_size,
                            std::optional<int128> proxy_secret = std::nullopt);

  // Feeds the first bytes. Returns the codec once the framing is known (the
  // bytes fed so far, minus the preamble, are already inside it); nullptr
  // while more bytes are needed. Throws frame_error on bytes no framing
  // starts with. Decides within 64 bytes (8 for full, 4 for intermediate, 1
  // for abridged). Once it returned a codec, feed that codec instead
  // (feeding the detector again throws std::logic_error).
  std::unique_ptr<frame_codec> feed(byte_view bytes);

  // With obfuscated2: the DC id the client put in its header.
  int16_t requested_dc() const noexcept { return dc_; }

private:
  random_source& rng_;
  size_t max_frame_size_;
  std::optional<int128> secret_;
  byte_buffer head_;
  int16_t dc_ = 0;
  bool done_ = false;
};

} // namespace mtsender::codec
