// Encryption of whole MTProto 2.0 packets under one auth key.
//
// A packet on the wire is auth_key_id (8) ‖ msg_key (16) ‖ AES-256-IGE
// ciphertext. The plaintext given to encrypt() is already padded (the session
// chooses the 12..1024 random padding bytes, total a multiple of 16).
// decrypt() runs the checks that must come first, in this order: auth_key_id,
// length a positive multiple of 16, then msg_key recomputed over the
// decrypted plaintext and compared in constant time. Everything after that
// (lengths inside the plaintext, session id, ...) is the session's job.
//
// One object per connection: it keeps its SHA-256 context and the key id.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/error.hpp"

namespace mtsender::crypto {

enum class cipher_errc : uint8_t {
  wrong_auth_key_id = 1,  // the packet names another key
  bad_length,             // shorter than 24 + 16 or not 24 + a multiple of 16
  msg_key_mismatch,       // the recomputed msg_key differs: forged or corrupt
};

const char* to_string(cipher_errc code) noexcept;

class cipher_error : public transport_error {
public:
  cipher_error(cipher_errc code, const std::string& what);
  cipher_errc code() const noexcept { return code_; }

private:
  cipher_errc code_;
};

class message_cipher {
public:
  explicit message_cipher(const auth_key_bytes& auth_key);

  uint64_t key_id() const noexcept { return key_id_; }
  const auth_key_bytes& key() const noexcept { return key_; }

  // Appends the whole packet (key id, msg_key, ciphertext) to `out`.
  // Throws std::invalid_argument if padded_plaintext is empty or its size is
  // not a multiple of 16. padded_plaintext must not point into `out` (out
  // grows, which may move it).
  void encrypt(direction dir, byte_view padded_plaintext, byte_buffer& out);

  // Replaces `out` with the decrypted plaintext (padding included). Throws
  // cipher_error; `out` is then unspecified.
  void decrypt(direction dir, byte_view packet, byte_buffer& out);

private:
  auth_key_bytes key_;
  uint64_t key_id_;
  sha256 sha_;
};

} // namespace mtsender::crypto
