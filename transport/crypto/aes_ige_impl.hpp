// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Internal to transport/crypto: the two AES-256-IGE implementations behind
// aes_ige_encrypt/aes_ige_decrypt. Callers have checked len % 16 == 0 and
// len > 0 (the AES-NI loop reads its first block unconditionally).
#pragma once

#include "mtsender/transport/bytes.hpp"

namespace mtsender::crypto::detail {

// True when this CPU has the AES-NI instructions (and the build could emit
// them).
bool cpu_has_aes_ni() noexcept;

void aes_ige_encrypt_ni(const int256& key, const int256& iv, const uint8_t* in,
                        uint8_t* out, size_t len);
void aes_ige_decrypt_ni(const int256& key, const int256& iv, const uint8_t* in,
                        uint8_t* out, size_t len);

void aes_ige_encrypt_portable(const int256& key, const int256& iv,
                              const uint8_t* in, uint8_t* out, size_t len);
void aes_ige_decrypt_portable(const int256& key, const int256& iv,
                              const uint8_t* in, uint8_t* out, size_t len);

} // namespace mtsender::crypto::detail
