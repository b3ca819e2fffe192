// AES-256-IGE with the AES-NI instructions.
//
// IGE chains every block on the previous one in both directions, so the
// speed is bound by the latency of 14 aesenc/aesdec rounds per block; what is
// left to win is keeping the schedule in registers and doing nothing else in
// the loop. The functions carry their own target attribute, so the rest of
// the build needs no -maes and the code is only entered after a CPU check.
#include "mtsender/transport/crypto/aes_ige_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <wmmintrin.h>  // AES-NI
#include <emmintrin.h>  // SSE2

#define MTSENDER_AESNI __attribute__((target("aes,sse2,ssse3")))

namespace mtsender::crypto::detail {

namespace {

struct key_schedule {
  __m128i rk[15];
};

// The two halves of the AES-256 key expansion step (FIPS 197 5.2): `prev`
// is the round key two steps back, `assist` the aeskeygenassist output,
// broadcast from lane 3 (RotWord+SubWord+Rcon) or lane 2 (SubWord only).
MTSENDER_AESNI inline __m128i expand_step(__m128i prev, __m128i assist) {
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  return _mm_xor_si128(prev, assist);
}

template <int Rcon>
MTSENDER_AESNI inline void expand_pair(__m128i* rk, int i) {
  __m128i a = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i - 1], Rcon), 0xff);
  rk[i] = expand_step(rk[i - 2], a);
  if (i + 1 < 15) {
    __m128i b = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i], 0x00), 0xaa);
    rk[i + 1] = expand_step(rk[i - 1], b);
  }
}

MTSENDER_AESNI void expand_encrypt_key(const uint8_t* key, key_schedule& ks) {
  __m128i* rk = ks.rk;
  rk[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  rk[1] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 16));
  expand_pair<0x01>(rk, 2);
  expand_pair<0x02>(rk, 4);
  expand_pair<0x04>(rk, 6);
  expand_pair<0x08>(rk, 8);
  expand_pair<0x10>(rk, 10);
  expand_pair<0x20>(rk, 12);
  expand_pair<0x40>(rk, 14);
}

// The "equivalent inverse cipher" schedule (FIPS 197 5.3.5) that aesdec
// expects: the encryption keys reversed, the middle ones through InvMixColumns.
MTSENDER_AESNI void expand_decrypt_key(const uint8_t* key, key_schedule& ks) {
  key_schedule enc;
  expand_encrypt_key(key, enc);
  ks.rk[0] = enc.rk[14];
  for (int i = 1; i < 14; ++i)
    ks.rk[i] = _mm_aesimc_si128(enc.rk[14 - i]);
  ks.rk[14] = enc.rk[0];
}

} // namespace

bool cpu_has_aes_ni() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2")
         && __builtin_cpu_supports("ssse3");
}

// Both loops keep nothing but the 14 AES rounds on the critical path. The
// state entering round 1 of block i is s_i = in_i ^ chain_{i-1} ^ k0, and
// out_i = last_round(s_i) ^ other_{i-1}; since the last round ends with an XOR
// of its round key, folding (k14 ^ other_{i-1} ^ in_{i+1} ^ k0) into that key
// makes the last round produce s_{i+1} directly. out_i is then recovered off
// the critical path as s_{i+1} ^ in_{i+1} ^ k0. For the final block in_{i+1}
// is taken as zero.
// Encrypt: in = x (plaintext), chain = y, other = x.
// Decrypt: in = y (ciphertext), chain = x, other = y.

#define MTSENDER_AES_ROUNDS(op, t)                                            \
  t = op(t, k1);                                                               \
  t = op(t, k2);                                                               \
  t = op(t, k3);                                                               \
  t = op(t, k4);                                                               \
  t = op(t, k5);                                                               \
  t = op(t, k6);                                                               \
  t = op(t, k7);                                                               \
  t = op(t, k8);                                                               \
  t = op(t, k9);                                                               \
  t = op(t, k10);                                                              \
  t = op(t, k11);                                                              \
  t = op(t, k12);                                                              \
  t = op(t, k13)

#define MTSENDER_IGE_LOOP(round, last_round)                                    \
  const __m128i k0 = ks.rk[0], k1 = ks.rk[1], k2 = ks.rk[2], k3 = ks.rk[3],    \
                k4 = ks.rk[4], k5 = ks.rk[5], k6 = ks.rk[6], k7 = ks.rk[7],    \
                k8 = ks.rk[8], k9 = ks.rk[9], k10 = ks.rk[10],                 \
                k11 = ks.rk[11], k12 = ks.rk[12], k13 = ks.rk[13],             \
                k14 = ks.rk[14];                                               \
  const __m128i chain0 = _mm_loadu_si128(                                      \
    reinterpret_cast<const __m128i*>(iv.data() + chain_half));                 \
  __m128i other_prev = _mm_loadu_si128(                                        \
    reinterpret_cast<const __m128i*>(iv.data() + 16 - chain_half));            \
  __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));         \
  __m128i s = _mm_xor_si128(_mm_xor_si128(cur, chain0), k0);                   \
  const size_t last = len - 16;                                                \
  for (size_t off = 0;; off += 16) {                                           \
    /* Read the next input before writing this output: in may equal out. */   \
    const __m128i next_k0 =                                                    \
      off < last ? _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>( \
                                   in + off + 16)), k0)                        \
                 : k0;                                                         \
    const __m128i fold = _mm_xor_si128(_mm_xor_si128(k14, other_prev), next_k0); \
    MTSENDER_AES_ROUNDS(round, s);                                             \
    s = last_round(s, fold);                                                   \
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + off),                    \
                     _mm_xor_si128(s, next_k0));                               \
    other_prev = cur;                                                          \
    if (off == last)                                                           \
      break;                                                                   \
    cur = _mm_xor_si128(next_k0, k0);                                          \
  }

MTSENDER_AESNI void aes_ige_encrypt_ni(const int256& key, const int256& iv,
                                       const uint8_t* in, uint8_t* out,
                                       size_t len) {
  key_schedule ks;
  expand_encrypt_key(key.data(), ks);
  constexpr size_t chain_half = 0;  // iv = y0 ‖ x0
  MTSENDER_IGE_LOOP(_mm_aesenc_si128, _mm_aesenclast_si128)
}

MTSENDER_AESNI void aes_ige_decrypt_ni(const int256& key, const int256& iv,
                                       const uint8_t* in, uint8_t* out,
                                       size_t len) {
  key_schedule ks;
  expand_decrypt_key(key.data(), ks);
  constexpr size_t chain_half = 16;  // the chain is x, x0 is the iv's second half
  MTSENDER_IGE_LOOP(_mm_aesdec_si128, _mm_aesdeclast_si128)
}

#undef MTSENDER_IGE_LOOP
#undef MTSENDER_AES_ROUNDS

} // namespace mtsender::crypto::detail

#else // not x86: no AES-NI; the dispatcher never picks these.

namespace mtsender::crypto::detail {

bool cpu_has_aes_ni() noexcept { return false; }

void aes_ige_encrypt_ni(const int256& key, const int256& iv, const uint8_t* in,
                        uint8_t* out, size_t len) {
  aes_ige_encrypt_portable(key, iv, in, out, len);
}

void aes_ige_decrypt_ni(const int256& key, const int256& iv, const uint8_t* in,
                        uint8_t* out, size_t len) {
  aes_ige_decrypt_portable(key, iv, in, out, len);
}

} // namespace mtsender::crypto::detail

#endif
