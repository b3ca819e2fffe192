#include "mtsender/transport/handshake/handshake_error.hpp"

namespace mtsender::handshake {

const char* to_string(handshake_errc code) noexcept {
  switch (code) {
    case handshake_errc::unexpected_message: return "unexpected_message";
    case handshake_errc::malformed_message: return "malformed_message";
    case handshake_errc::bad_plain_message: return "bad_plain_message";
    case handshake_errc::nonce_mismatch: return "nonce_mismatch";
    case handshake_errc::server_nonce_mismatch: return "server_nonce_mismatch";
    case handshake_errc::unknown_fingerprint: return "unknown_fingerprint";
    case handshake_errc::pq_factorization_failed: return "pq_factorization_failed";
    case handshake_errc::bad_encrypted_answer: return "bad_encrypted_answer";
    case handshake_errc::answer_hash_mismatch: return "answer_hash_mismatch";
    case handshake_errc::bad_answer_padding: return "bad_answer_padding";
    case handshake_errc::bad_dh_prime: return "bad_dh_prime";
    case handshake_errc::bad_g: return "bad_g";
    case handshake_errc::bad_g_a: return "bad_g_a";
    case handshake_errc::bad_g_b: return "bad_g_b";
    case handshake_errc::new_nonce_hash1_mismatch: return "new_nonce_hash1_mismatch";
    case handshake_errc::new_nonce_hash2_mismatch: return "new_nonce_hash2_mismatch";
    case handshake_errc::new_nonce_hash3_mismatch: return "new_nonce_hash3_mismatch";
    case handshake_errc::server_dh_params_fail_hash_mismatch:
      return "server_dh_params_fail_hash_mismatch";
    case handshake_errc::server_dh_params_fail: return "server_dh_params_fail";
    case handshake_errc::dh_gen_fail: return "dh_gen_fail";
    case handshake_errc::too_many_retries: return "too_many_retries";
    case handshake_errc::rsa_decrypt_failed: return "rsa_decrypt_failed";
    case handshake_errc::bad_inner_data: return "bad_inner_data";
    case handshake_errc::bad_retry_id: return "bad_retry_id";
    case handshake_errc::bad_expires_in: return "bad_expires_in";
  }
  return "unknown handshake_errc";
}

handshake_error::handshake_error(handshake_errc code, const std::string& what)
  : transport_error(std::string("handshake: ") + to_string(code) + ": " + what),
    code_(code) {}

} // namespace mtsender::handshake
