// The obfuscated2 framing: a 64-byte header (see obfuscation_header.hpp),
// then an inner framing (abridged, intermediate or padded) with every byte
// after the header's first 56 run through AES-256-CTR, one key stream per
// direction. Makes the connection look like random bytes to a middlebox.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/codec/obfuscation_header.hpp"
#include "mtsender/transport/crypto/aes_ctr.hpp"

namespace mtsender::codec {

// Client side: the header goes out before the first frame. `inner` must not
// write its own tag (the header carries it).
std::unique_ptr<frame_codec> make_obfuscated2_client_codec(
  const obfuscation_header& header, const std::optional<int128>& proxy_secret,
  std::unique_ptr<frame_codec> inner);

// Server side: `decrypt` has already consumed the header's 64 bytes (that is
// how the server read the tag); `encrypt` is fresh.
std::unique_ptr<frame_codec> make_obfuscated2_server_codec(crypto::aes_ctr decrypt,
                                                           crypto::aes_ctr encrypt,
                                                           std::unique_ptr<frame_codec> inner);

} // namespace mtsender::codec
