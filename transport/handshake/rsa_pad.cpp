#include "mtsender/transport/handshake/rsa_pad.hpp"

#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/handshake/handshake_error.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mtsender::handshake {

namespace {

constexpr size_t padded_size = 192;
constexpr size_t hashed_size = padded_size + 32;  // 224
constexpr size_t rsa_size = 256;
// A wrong random source could loop forever; each attempt succeeds with
// probability above 1/2 for a 2048-bit modulus.
constexpr int max_attempts = 128;

// a < b for big-endian unsigned numbers of any lengths.
bool less_than(byte_view a, byte_view b) {
  size_t ia = 0, ib = 0;
  while (ia < a.size() && a[ia] == 0) ++ia;
  while (ib < b.size() && b[ib] == 0) ++ib;
  size_t la = a.size() - ia, lb = b.size() - ib;
  if (la != lb)
    return la < lb;
  for (; ia < a.size(); ++ia, ++ib)
    if (a[ia] != b[ib])
      return a[ia] < b[ib];
  return false;
}

} // namespace

byte_buffer rsa_pad_encrypt(const crypto::rsa_public_key& key, byte_view data,
                            random_source& rng) {
  if (data.size() > rsa_pad_max_data)
    throw std::invalid_argument("rsa_pad_encrypt: data of " + std::to_string(data.size())
                                + " bytes exceeds 144");
  std::array<uint8_t, padded_size> with_padding{};
  if (!data.empty())
    std::memcpy(with_padding.data(), data.data(), data.size());
  rng.fill(with_padding.data() + data.size(), padded_size - data.size());

  std::array<uint8_t, rsa_size> key_aes_encrypted{};
  const int256 zero_iv{};
  crypto::sha256 h;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    int256 temp_key;
    rng.fill(temp_key.data(), temp_key.size());

    std::array<uint8_t, hashed_size> with_hash{};
    std::reverse_copy(with_padding.begin(), with_padding.end(), with_hash.begin());
    auto digest = h.update(temp_key).update(with_padding).finish();
    std::memcpy(with_hash.data() + padded_size, digest.data(), digest.size());

    uint8_t* aes_encrypted = key_aes_encrypted.data() + 32;
    crypto::aes_ige_encrypt(temp_key, zero_iv, with_hash.data(), aes_encrypted, hashed_size);
    auto mask = h.update(byte_view{aes_encrypted, hashed_size}).finish();
    for (size_t i = 0; i < 32; ++i)
      key_aes_encrypted[i] = uint8_t(temp_key[i] ^ mask[i]);

    if (less_than(key_aes_encrypted, key.modulus()))
      return key.encrypt_raw(key_aes_encrypted);
  }
  throw std::runtime_error("rsa_pad_encrypt: no temp_key below the modulus after "
                           + std::to_string(max_attempts) + " attempts (broken random source?)");
}

byte_buffer rsa_pad_decrypt(const crypto::rsa_private_key& key, byte_view encrypted_data) {
  if (encrypted_data.size() != rsa_size)
    throw handshake_error(handshake_errc::rsa_decrypt_failed,
                          "encrypted_data of " + std::to_string(encrypted_data.size())
                            + " bytes, expected 256");
  byte_buffer key_aes_encrypted;
  try {
    key_aes_encrypted = key.decrypt_raw(encrypted_data);
  } catch (const std::exception& e) {
    throw handshake_error(handshake_errc::rsa_decrypt_failed,
                          std::string("RSA decryption refused: ") + e.what());
  }
  if (key_aes_encrypted.size() != rsa_size)
    throw handshake_error(handshake_errc::rsa_decrypt_failed,
                          "RSA result is not 256 bytes");
  const byte_view aes_encrypted{key_aes_encrypted.data() + 32, hashed_size};
  crypto::sha256 h;
  auto mask = h.update(aes_encrypted).finish();
  int256 temp_key;
  for (size_t i = 0; i < 32; ++i)
    temp_key[i] = uint8_t(key_aes_encrypted[i] ^ mask[i]);

  std::array<uint8_t, hashed_size> with_hash{};
  const int256 zero_iv{};
  crypto::aes_ige_decrypt(temp_key, zero_iv, aes_encrypted.data(), with_hash.data(),
                          hashed_size);
  byte_buffer with_padding(padded_size);
  std::reverse_copy(with_hash.begin(), with_hash.begin() + padded_size, with_padding.begin());
  auto digest = h.update(temp_key).update(with_padding).finish();
  if (!crypto::equal_constant_time(digest, byte_view{with_hash.data() + padded_size, 32}))
    throw handshake_error(handshake_errc::rsa_decrypt_failed,
                          "SHA-256 inside RSA_PAD does not match (wrong key or tampered data)");
  return with_padding;
}

} // namespace mtsender::handshake
