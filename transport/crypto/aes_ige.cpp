// Chooses between the AES-NI and the portable AES-256-IGE implementation.
//
// IGE, with iv = y0 ‖ x0 (first half: the "previous ciphertext" block, second
// half: the "previous plaintext" block), as Telegram and OpenSSL define it:
//   encrypt: y_i = E(x_i ^ y_{i-1}) ^ x_{i-1}
//   decrypt: x_i = D(y_i ^ x_{i-1}) ^ y_{i-1}
#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/aes_ige_impl.hpp"

#include <stdexcept>
#include <string>

namespace mtsender::crypto {

namespace {

aes_impl resolve(aes_impl impl) {
  if (impl == aes_impl::automatic)
    return aes_ige_best_impl();
  if (impl == aes_impl::aes_ni && !detail::cpu_has_aes_ni())
    throw std::invalid_argument("aes_ige: AES-NI requested but this CPU has none");
  return impl;
}

void check_length(size_t len) {
  if (len % 16 != 0)
    throw std::invalid_argument("aes_ige: length " + std::to_string(len)
                                + " is not a multiple of 16");
}

} // namespace

aes_impl aes_ige_best_impl() noexcept {
  static const aes_impl best = detail::cpu_has_aes_ni() ? aes_impl::aes_ni
                                                         : aes_impl::portable;
  return best;
}

void aes_ige_encrypt(const int256& key, const int256& iv, const uint8_t* in,
                     uint8_t* out, size_t len, aes_impl impl) {
  check_length(len);
  if (len == 0)
    return;
  if (resolve(impl) == aes_impl::aes_ni)
    detail::aes_ige_encrypt_ni(key, iv, in, out, len);
  else
    detail::aes_ige_encrypt_portable(key, iv, in, out, len);
}

void aes_ige_decrypt(const int256& key, const int256& iv, const uint8_t* in,
                     uint8_t* out, size_t len, aes_impl impl) {
  check_length(len);
  if (len == 0)
    return;
  if (resolve(impl) == aes_impl::aes_ni)
    detail::aes_ige_decrypt_ni(key, iv, in, out, len);
  else
    detail::aes_ige_decrypt_portable(key, iv, in, out, len);
}

} // namespace mtsender::crypto
