// RSA keys for the auth-key handshake (RSA_PAD).
//
// The client holds public keys and picks the one whose fingerprint the server
// offers in resPQ; the test server holds the private key. The fingerprint is
// the low 64 bits of SHA-1 over TL bytes(n) ‖ TL bytes(e) (big-endian
// integers as TL strings), read little-endian as Telegram sends it.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/error.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace mtsender::crypto {

enum class rsa_errc : uint8_t {
  bad_pem = 1,         // not PEM, not an RSA key, or a key of the wrong kind
  file_unreadable,     // from_pem_file could not read the file
  data_too_large,      // the input number is >= n (or longer than n)
  openssl_failure,     // OpenSSL refused an operation on valid input
};

const char* to_string(rsa_errc code) noexcept;

class rsa_error : public transport_error {
public:
  rsa_error(rsa_errc code, const std::string& what);
  rsa_errc code() const noexcept { return code_; }

private:
  rsa_errc code_;
};

class rsa_public_key {
public:
  // PKCS#1 ("BEGIN RSA PUBLIC KEY") or SubjectPublicKeyInfo ("BEGIN PUBLIC
  // KEY") PEM text. Throws rsa_error naming the problem (bad_pem also for
  // private key text: extract the public key with rsa_private_key).
  static rsa_public_key from_pem(std::string_view pem);
  static rsa_public_key from_pem_file(const std::string& path);
  // From the big-endian modulus and exponent (leading zero bytes allowed).
  // Throws rsa_error (bad_pem) if n is zero or even or e is below 3.
  static rsa_public_key from_numbers(byte_view n, byte_view e);

  int64_t fingerprint() const noexcept { return fingerprint_; }
  const byte_buffer& modulus() const noexcept { return n_; }   // big-endian
  const byte_buffer& exponent() const noexcept { return e_; }  // big-endian
  // PKCS#1 PEM text of this key.
  std::string to_pem() const;

  // Textbook RSA: data (256 bytes, a big-endian number below n) ^ e mod n,
  // as big-endian bytes, as many as n has (256 for 2048-bit keys). Throws
  // rsa_error (data_too_large) if data >= n.
  byte_buffer encrypt_raw(byte_view data) const;

private:
  byte_buffer n_, e_;
  int64_t fingerprint_ = 0;
};

class rsa_private_key {
public:
  // e = 65537. Takes ~50-500 ms for 2048 bits.
  static rsa_private_key generate(int bits = 2048);
  static rsa_private_key from_pem(std::string_view pem);
  static rsa_private_key from_pem_file(const std::string& path);

  rsa_private_key(rsa_private_key&&) noexcept;
  rsa_private_key& operator=(rsa_private_key&&) noexcept;
  ~rsa_private_key();

  std::string to_pem() const;               // PKCS#1 private key PEM
  rsa_public_key public_key() const;
  int64_t fingerprint() const { return public_key().fingerprint(); }

  // data (a big-endian number below n) ^ d mod n, as big-endian bytes, as
  // many as n has. Runs OpenSSL's blinded CRT path, not a plain modexp with
  // the secret exponent. Throws rsa_error (data_too_large) if data >= n.
  byte_buffer decrypt_raw(byte_view data) const;

private:
  rsa_private_key();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mtsender::crypto
