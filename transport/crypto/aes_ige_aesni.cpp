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

MTSENDER_AESNI void aes_ige_encrypt_ni(const int256& key, const int256& iv,
                                       const uint8_t* in, uint8_t* out,
                                       size_t len) {
  key_schedule ks;
  expand_encrypt_key(key.data(), ks);
  const __m128i k0 = ks.rk[0], k1 = ks.rk[1], k2 = ks.rk[2], k3 = ks.rk[3],
                k4 = ks.rk[4], k5 = ks.rk[5], k6 = ks.rk[6], k7 = ks.rk[7],
                k8 = ks.rk[8], k9 = ks.rk[9], k10 = ks.rk[10], k11 = ks.rk[11],
                k12 = ks.rk[12], k13 = ks.rk[13], k14 = ks.rk[14];
  __m128i y_prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iv.data()));
  __m128i x_prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iv.data() + 16));
  for (size_t off = 0; off < len; off += 16) {
    // Load before store: in and out may be the same buffer.
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + off));
    __m128i t = _mm_xor_si128(_mm_xor_si128(x, y_prev), k0);
    t = _mm_aesenc_si128(t, k1);
    t = _mm_aesenc_si128(t, k2);
    t = _mm_aesenc_si128(t, k3);
    t = _mm_aesenc_si128(t, k4);
    t = _mm_aesenc_si128(t, k5);
    t = _mm_aesenc_si128(t, k6);
    t = _mm_aesenc_si128(t, k7);
    t = _mm_aesenc_si128(t, k8);
    t = _mm_aesenc_si128(t, k9);
    t = _mm_aesenc_si128(t, k10);
    t = _mm_aesenc_si128(t, k11);
    t = _mm_aesenc_si128(t, k12);
    t = _mm_aesenc_si128(t, k13);
    t = _mm_aesenclast_si128(t, k14);
    const __m128i y = _mm_xor_si128(t, x_prev);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + off), y);
    y_prev = y;
    x_prev = x;
  }
}

MTSENDER_AESNI void aes_ige_decrypt_ni(const int256& key, const int256& iv,
                                       const uint8_t* in, uint8_t* out,
                                       size_t len) {
  key_schedule ks;
  expand_decrypt_key(key.data(), ks);
  const __m128i k0 = ks.rk[0], k1 = ks.rk[1], k2 = ks.rk[2], k3 = ks.rk[3],
                k4 = ks.rk[4], k5 = ks.rk[5], k6 = ks.rk[6], k7 = ks.rk[7],
                k8 = ks.rk[8], k9 = ks.rk[9], k10 = ks.rk[10], k11 = ks.rk[11],
                k12 = ks.rk[12], k13 = ks.rk[13], k14 = ks.rk[14];
  __m128i y_prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iv.data()));
  __m128i x_prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iv.data() + 16));
  for (size_t off = 0; off < len; off += 16) {
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + off));
    __m128i t = _mm_xor_si128(_mm_xor_si128(y, x_prev), k0);
    t = _mm_aesdec_si128(t, k1);
    t = _mm_aesdec_si128(t, k2);
    t = _mm_aesdec_si128(t, k3);
    t = _mm_aesdec_si128(t, k4);
    t = _mm_aesdec_si128(t, k5);
    t = _mm_aesdec_si128(t, k6);
    t = _mm_aesdec_si128(t, k7);
    t = _mm_aesdec_si128(t, k8);
    t = _mm_aesdec_si128(t, k9);
    t = _mm_aesdec_si128(t, k10);
    t = _mm_aesdec_si128(t, k11);
    t = _mm_aesdec_si128(t, k12);
    t = _mm_aesdec_si128(t, k13);
    t = _mm_aesdeclast_si128(t, k14);
    const __m128i x = _mm_xor_si128(t, y_prev);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + off), x);
    x_prev = x;
    y_prev = y;
  }
}

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
