// The full framing (core.telegram.org/mtproto/mtproto-transports#full): no
// tag; each frame is length (of the whole frame, 4 bytes) ‖ seqno ‖ packet ‖
// CRC32 of everything before it. Each direction counts its own seqno from 0;
// the receiver checks both, so a dropped, repeated or corrupted frame ends
// the connection instead of reaching the session.
//
// The full framing has no quick acks.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"

namespace mtsender::codec {

// Both sides behave the same.
std::unique_ptr<frame_codec> make_full_codec(size_t max_frame_size);

} // namespace mtsender::codec
