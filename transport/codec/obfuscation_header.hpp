// The obfuscated2 preamble: 64 random bytes that carry the AES-256-CTR keys
// of both directions and, encrypted, the inner framing's tag and the DC id
// (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation).
//
//   bytes  0..8   random; never look like another framing's start
//   bytes  8..40  key client -> server;  40..56 its iv
//   reversed 8..56: key server -> client and its iv
//   bytes 56..60  inner tag (0xefefefef, 0xeeeeeeee, 0xdddddddd)
//   bytes 60..62  DC id, int16 little-endian (negative: media DC)
//   bytes 62..64  random
//
// Through an MTProxy each key becomes SHA-256(key ‖ 16-byte secret).
// Split out of the codec so tests can check the derivation on its own.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/random.hpp"

#include <array>
#include <optional>

namespace mtsender::codec {

using obfuscation_header = std::array<uint8_t, 64>;

inline constexpr uint32_t abridged_obfuscation_tag = 0xefefefef;
inline constexpr uint32_t intermediate_obfuscation_tag = 0xeeeeeeee;
inline constexpr uint32_t padded_obfuscation_tag = 0xdddddddd;

// The 4-byte tag for an inner framing; throws std::invalid_argument for
// full and obfuscated2, which cannot be wrapped.
uint32_t obfuscation_tag(framing inner);
// The inner framing a decrypted tag names, if any.
std::optional<framing> framing_of_obfuscation_tag(uint32_t tag) noexcept;

// True when the first 8 bytes could be read as another framing's start (or
// HTTP, or TLS), so a server would mistake the connection.
bool is_forbidden_obfuscation_start(const uint8_t* header) noexcept;

// A plaintext header: draws 64 bytes until the start is allowed, then writes
// the tag and the DC id. Throws std::runtime_error if 1000 draws in a row
// were forbidden (a broken random source), rather than spin forever.
obfuscation_header make_obfuscation_header(random_source& rng, uint32_t tag, int16_t dc_id);

struct obfuscation_keys {
  int256 encrypt_key;
  int128 encrypt_iv;
  int256 decrypt_key;
  int128 decrypt_iv;
};

// The keys `role` encrypts and decrypts with, from the plaintext header
// (the server knows it after decrypting bytes 56..64 with its decrypt key,
// bytes 0..56 it receives in clear).
obfuscation_keys derive_obfuscation_keys(const obfuscation_header& header, side role,
                                         const std::optional<int128>& proxy_secret);

} // namespace mtsender::codec
