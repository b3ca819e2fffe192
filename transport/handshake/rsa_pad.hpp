// RSA_PAD, the encryption of p_q_inner_data in req_DH_params
// (core.telegram.org/mtproto/auth_key, "4.1 RSA_PAD"):
//
//   data_with_padding = data ‖ random bytes, 192 bytes in all (data <= 144)
//   data_with_hash    = reverse(data_with_padding) ‖ SHA256(temp_key ‖ data_with_padding)
//   aes_encrypted     = AES256-IGE(data_with_hash, temp_key, zero iv)
//   key_aes_encrypted = (temp_key XOR SHA256(aes_encrypted)) ‖ aes_encrypted
//   encrypted_data    = key_aes_encrypted ^ e mod n   (new temp_key while >= n)
//
// Random draws, in order: the padding (192 - data.size() bytes), then 32
// bytes of temp_key per attempt.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/random.hpp"

namespace mtsender::handshake {

inline constexpr size_t rsa_pad_max_data = 144;

// 256 bytes. Throws std::invalid_argument if data is longer than 144 bytes.
byte_buffer rsa_pad_encrypt(const crypto::rsa_public_key& key, byte_view data,
                            random_source& rng);

// The server's inverse: returns data_with_padding (192 bytes; the TL object
// is at its start, followed by random padding). Throws
// handshake_error(rsa_decrypt_failed) if encrypted_data is not 256 bytes, is
// not below the modulus, or the SHA-256 inside does not match.
byte_buffer rsa_pad_decrypt(const crypto::rsa_private_key& key,
                            byte_view encrypted_data);

} // namespace mtsender::handshake
