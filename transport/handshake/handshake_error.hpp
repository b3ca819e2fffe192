// The error both sides of the auth-key handshake throw when a peer's message
// fails a check.
//
// Each check from Telegram's security guidelines has its own code, so a caller
// (and a test) can tell which one failed without parsing what(); what() names
// the step and the value that was wrong. Any handshake_error means: drop the
// connection and, if at all, start over with a fresh handshake.
#pragma once

#include "mtsender/transport/error.hpp"

#include <cstdint>
#include <string>

namespace mtsender::handshake {

enum class handshake_errc : uint8_t {
  unexpected_message = 1,        // a constructor this step does not allow, or any message after done/failure
  malformed_message,             // TL that does not decode (truncated, bad length, trailing bytes)
  bad_plain_message,             // unencrypted wrapper: auth_key_id != 0, wrong length, bad msg_id
  nonce_mismatch,                // nonce not echoed
  server_nonce_mismatch,         // server_nonce not echoed
  unknown_fingerprint,           // no offered RSA key is one we know
  pq_factorization_failed,       // pq too long, prime, or not p*q; or p, q that do not match pq
  bad_encrypted_answer,          // encrypted_answer/encrypted_data not a usable multiple of 16
  answer_hash_mismatch,          // SHA-1 inside the AES-IGE payload differs
  bad_answer_padding,            // more than 15 padding bytes after the inner object
  bad_dh_prime,                  // not 2048 bits, or neither Telegram's prime nor a safe prime
  bad_g,                         // g outside 2..7, or dh_prime fails g's residue condition
  bad_g_a,                       // g_a outside [2^1984, dh_prime - 2^1984]
  bad_g_b,                       // g_b outside [2^1984, dh_prime - 2^1984]
  new_nonce_hash1_mismatch,      // dh_gen_ok with a wrong hash
  new_nonce_hash2_mismatch,      // dh_gen_retry with a wrong hash
  new_nonce_hash3_mismatch,      // dh_gen_fail with a wrong hash
  server_dh_params_fail_hash_mismatch, // server_DH_params_fail with a wrong new_nonce_hash
  server_dh_params_fail,         // the server refused req_DH_params (hash verified)
  dh_gen_fail,                   // the server answered dh_gen_fail (hash verified)
  too_many_retries,              // dh_gen_retry more often than allowed
  rsa_decrypt_failed,            // server: RSA_PAD payload that does not check out
  bad_inner_data,                // server: p_q_inner_data fields that do not match the exchange
  bad_retry_id,                  // server: retry_id is not the previous key's aux hash
  bad_expires_in,                // server: temporary key lifetime that is not positive
};

const char* to_string(handshake_errc code) noexcept;

class handshake_error : public transport_error {
public:
  handshake_error(handshake_errc code, const std::string& what);
  handshake_errc code() const noexcept { return code_; }

private:
  handshake_errc code_;
};

} // namespace mtsender::handshake
