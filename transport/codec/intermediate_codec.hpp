// The intermediate framings (core.telegram.org/mtproto/mtproto-transports):
// tag 0xeeeeeeee once, then each packet behind its 4-byte little-endian
// length. The padded variant (tag 0xdddddddd) appends 0..15 random bytes to
// every frame and counts them in the length, to blur packet sizes; the
// receiver cannot strip them (see frame::payload).
//
// Quick acks: the top bit of the length asks for one (client -> server); the
// server answers with a bare 4-byte word, the token with its top bit set.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"

namespace mtsender::codec {

// `rng` draws the padding (padded only); it must outlive the codec.
// `send_tag`: write the tag before the first frame (plain client only).
std::unique_ptr<frame_codec> make_intermediate_codec(side role, bool padded,
                                                     size_t max_frame_size,
                                                     bool send_tag, random_source& rng);

} // namespace mtsender::codec
