// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Rules every framing shares: what a frame's payload means and which packets
// may be sent. Kept in one place so the framings cannot drift apart.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"

#include <stdexcept>
#include <string>

namespace mtsender::codec::detail {

inline constexpr uint32_t quick_ack_bit = 0x80000000u;

// A 4-byte payload holding a negative int32 is the server's transport error
// (-404, -429, -444). With padded_intermediate the 4 bytes may be followed by
// up to 15 random bytes; no real MTProto packet is that short (a plain packet
// is at least 8 + 8 + 4 + 4 bytes), so the rule stays unambiguous.
inline void fill_frame(frame& f, byte_view payload, bool padded) {
  f = frame{};
  f.payload = payload;
  bool short_enough = padded ? payload.size() < 20 : payload.size() == 4;
  if (payload.size() >= 4 && short_enough) {
    auto value = int32_t(load_le32(payload.data()));
    if (value < 0) {
      f.type = frame::kind::transport_error;
      f.error_code = value;
    }
  }
}

// Declared payload length checks, done before waiting for (or allocating)
// the payload.
inline void check_declared_length(const char* framing_name, uint64_t length,
                                  size_t max_frame_size, bool need_multiple_of_4) {
  if (length > max_frame_size)
    throw frame_error(frame_errc::too_large,
                      std::string(framing_name) + ": declared payload length "
                        + std::to_string(length) + " exceeds max_frame_size "
                        + std::to_string(max_frame_size));
  if (length < 4)
    throw frame_error(frame_errc::bad_length,
                      std::string(framing_name) + ": declared payload length "
                        + std::to_string(length) + " is below 4 bytes");
  if (need_multiple_of_4 && length % 4 != 0)
    throw frame_error(frame_errc::bad_length,
                      std::string(framing_name) + ": declared payload length "
                        + std::to_string(length) + " is not a multiple of 4");
}

// What we send must be what a peer accepts: a non-empty, 4-aligned packet.
inline void check_outgoing(const char* framing_name, byte_view packet, size_t limit) {
  if (packet.empty() || packet.size() % 4 != 0 || packet.size() > limit)
    throw std::invalid_argument(std::string(framing_name) + ": cannot send a packet of "
                                + std::to_string(packet.size())
                                + " bytes (must be non-empty, a multiple of 4 and at most "
                                + std::to_string(limit) + ")");
}

inline void append_le32(byte_buffer& out, uint32_t v) {
  uint8_t b[4];
  store_le32(b, v);
  out.insert(out.end(), b, b + 4);
}

} // namespace mtsender::codec::detail
