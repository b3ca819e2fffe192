// Diffie-Hellman arithmetic and the checks Telegram's security guidelines
// require of its parameters (core.telegram.org/mtproto/security_guidelines).
//
// Numbers are big-endian byte strings, as the handshake carries them. The
// expensive check, whether an unknown dh_prime is a safe prime (~200 ms), runs
// once per distinct prime per process: the verdict is cached (a bounded
// number of them).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/handshake/handshake_error.hpp"

#include <cstdint>

namespace mtsender::handshake {

// Telegram's published 2048-bit safe prime (256 bytes, big-endian), the one
// its servers send in server_DH_inner_data; it is accepted without the test.
const byte_buffer& telegram_dh_prime();

// Throws handshake_error: bad_dh_prime unless dh_prime is 2048 bits
// (2^2047 < p < 2^2048) and is Telegram's prime or a safe prime; bad_g unless
// 2 <= g <= 7 and p meets g's residue condition (so that g generates the
// subgroup of order (p-1)/2). `require_residue = false` skips only the
// residue condition (Telegram's 2013 published sample uses g = 2 with its
// prime, which fails it; nothing else should turn it off).
void check_dh_prime(byte_view dh_prime, int32_t g, bool require_residue = true);

// True when g's residue condition holds for dh_prime (no primality test).
bool g_fits_prime(byte_view dh_prime, int32_t g);

// Safe-prime test with the process-wide cached verdict; `was_cached`, if
// given, says whether the answer came from the cache. The cache keeps the
// verdicts of the last safe_prime_cache_capacity distinct primes (a server
// sending a new number on every handshake must not grow it without end).
inline constexpr size_t safe_prime_cache_capacity = 32;
bool is_safe_prime_cached(byte_view p, bool* was_cached = nullptr);
// Verdicts held right now (for tests).
size_t safe_prime_cache_size();

// Throws handshake_error(code) naming `what` unless
// 2^(2048-64) <= value <= dh_prime - 2^(2048-64) (which implies 1 < value <
// dh_prime - 1). Leading zero bytes in `value` are allowed.
void check_dh_value(byte_view value, byte_view dh_prime, handshake_errc code,
                    const char* what);

// base^exponent mod modulus as exactly modulus-size (256) big-endian bytes,
// leading zeros kept. The exponent is secret: constant-time exponentiation.
byte_buffer mod_exp(byte_view base, byte_view exponent, byte_view modulus);
byte_buffer mod_exp(uint32_t base, byte_view exponent, byte_view modulus);

} // namespace mtsender::handshake
