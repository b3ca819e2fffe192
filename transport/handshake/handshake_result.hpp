// What one step of a handshake produces and what a finished one yields; shared
// by client_handshake and server_handshake.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"

#include <cstdint>

namespace mtsender::handshake {

enum class step_status : uint8_t {
  in_progress,   // send `send`, then feed the peer's answer to on_message()
  done,          // result() is ready (the server also has a last `send`)
  failed,        // server only: it was told to answer dh_gen_fail / server_DH_params_fail
};

struct step_result {
  byte_buffer send;   // body of the next unencrypted message; empty: nothing to send
  step_status status = step_status::in_progress;
};

// Which P_Q_inner_data constructor the client sent.
enum class inner_data_kind : uint8_t {
  plain,     // p_q_inner_data#83c95aec (no DC), legacy clients
  dc,        // p_q_inner_data_dc: a permanent key
  temp_dc,   // p_q_inner_data_temp_dc: a temporary key with expires_in
};

struct handshake_result {
  crypto::auth_key_bytes auth_key{};
  uint64_t auth_key_id = 0;      // low 64 bits of SHA-1(auth_key)
  int64_t server_salt = 0;       // new_nonce[0..8] XOR server_nonce[0..8], little-endian
  int32_t server_time_offset = 0; // client: server_time - local time, seconds
  inner_data_kind kind = inner_data_kind::dc;
  int32_t dc_id = 0;             // from the inner data (0 for `plain`)
  int32_t expires_in = 0;        // temp_dc only, seconds; 0 otherwise
  int retries = 0;               // dh_gen_retry rounds before dh_gen_ok
};

} // namespace mtsender::handshake
