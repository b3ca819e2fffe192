// The abridged framing (core.telegram.org/mtproto/mtproto-transports#abridged):
// tag 0xef once, then each packet behind its length in 4-byte words, one byte
// if below 0x7f, else 0x7f and three little-endian bytes.
//
// Quick acks: a client sets the top bit of the first length byte to ask for
// one; the server answers with the 4-byte token byte-swapped (big-endian), so
// its first byte has the top bit set and cannot be mistaken for a length.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"

namespace mtsender::codec {

// `send_tag`: write 0xef before the first frame (a plain client; not inside
// obfuscated2, whose header carries the tag, and not on the server side).
std::unique_ptr<frame_codec> make_abridged_codec(side role, size_t max_frame_size,
                                                 bool send_tag);

} // namespace mtsender::codec
