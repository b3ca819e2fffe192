// AES-256 in IGE mode, the cipher of every MTProto message.
//
// OpenSSL's AES_ige_encrypt runs without AES-NI (~130 MB/s); this picks an
// AES-NI implementation at run time when the CPU has it (>1 GB/s) and a
// portable one otherwise. Both produce identical bytes; tests check that.
//
//   aes_ige_encrypt(key, iv, plain, cipher, len);   // len % 16 == 0
//
// `in` and `out` may be the same buffer (in-place).
#pragma once

#include "mtsender/transport/bytes.hpp"

namespace mtsender::crypto {

enum class aes_impl : uint8_t { automatic, aes_ni, portable };

// Which implementation `automatic` resolves to on this CPU.
aes_impl aes_ige_best_impl() noexcept;

// Throws std::invalid_argument if len is not a multiple of 16.
void aes_ige_encrypt(const int256& key, const int256& iv, const uint8_t* in,
                     uint8_t* out, size_t len, aes_impl impl = aes_impl::automatic);
void aes_ige_decrypt(const int256& key, const int256& iv, const uint8_t* in,
                     uint8_t* out, size_t len, aes_impl impl = aes_impl::automatic);

} // namespace mtsender::crypto
