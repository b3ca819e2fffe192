// The client side of MTProto's auth-key handshake as a sans-I/O state machine
// (core.telegram.org/mtproto/auth_key): req_pq_multi -> resPQ ->
// req_DH_params (RSA_PAD) -> server_DH_params_ok -> set_client_DH_params ->
// dh_gen_ok (or dh_gen_retry, bounded).
//
//   client_handshake hs{cfg, rng};
//   send(make_plain_message(ids.next_client(now), hs.start()));
//   for each unencrypted message that arrives:
//     auto step = hs.on_message(read_plain_message(frame).body, unix_now);
//     if (step.status == step_status::done) use(hs.result());
//     else send(... step.send ...);
//
// Every check of Telegram's security guidelines is made; a failed one throws
// handshake_error whose code names it, and the object is then dead (any
// further call throws unexpected_message). Randomness comes from the injected
// source, drawn in this order: start(): nonce (16). resPQ: new_nonce (32),
// then RSA_PAD's padding and temp_key (see rsa_pad.hpp). server_DH_params_ok
// and each dh_gen_retry: b (256), then the padding of client_DH_inner_data
// (0..15 bytes; no draw when 0).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/handshake/handshake_error.hpp"
#include "mtsender/transport/handshake/handshake_result.hpp"
#include "mtsender/transport/random.hpp"

#include <cstdint>
#include <vector>

namespace mtsender::handshake {

struct client_config {
  // Keys the client trusts; the first fingerprint in resPQ that names one
  // of them is used.
  std::vector<crypto::rsa_public_key> public_keys;
  inner_data_kind kind = inner_data_kind::dc;
  // DC id sent in the inner data: test DCs add 10000, media DCs are negative.
  int32_t dc_id = 0;
  // Lifetime of a temporary key (kind == temp_dc), in seconds.
  int32_t expires_in = 0;
  // dh_gen_retry answers accepted before giving up with too_many_retries.
  int max_retries = 5;
  // Require g's residue condition on dh_prime (security guidelines). Only
  // replaying Telegram's 2013 sample (g = 2, p mod 8 = 3) needs false.
  bool check_g_residue = true;
  // Keep the intermediate values (see transcript()) for tests and diagnostics.
  bool keep_transcript = false;
};

// Intermediate values of the exchange, filled only with keep_transcript.
struct client_transcript {
  int128 nonce{};
  int128 server_nonce{};
  int256 new_nonce{};
  byte_buffer inner_data;      // serialized P_Q_inner_data (before RSA_PAD)
  int256 tmp_aes_key{};
  int256 tmp_aes_iv{};
  byte_buffer answer;          // decrypted server_DH_inner_data, without hash and padding
  byte_buffer g_b;             // of the last attempt
  byte_buffer client_dh_inner_data; // serialized, of the last attempt
};

class client_handshake {
public:
  enum class state : uint8_t {
    idle, wait_res_pq, wait_server_dh_params, wait_dh_gen, done, failed
  };

  // `rng` must outlive the handshake.
  client_handshake(client_config cfg, random_source& rng);
  ~client_handshake();
  client_handshake(const client_handshake&) = delete;
  client_handshake& operator=(const client_handshake&) = delete;

  // The body of req_pq_multi. Throws std::logic_error if called twice.
  byte_buffer start();

  // Feeds the body of an unencrypted message from the server. `local_unix_time`
  // (seconds) is used once, to compute the server time offset.
  step_result on_message(byte_view body, int64_t local_unix_time);

  state current_state() const noexcept { return state_; }
  // Throws std::logic_error unless the state is done.
  const handshake_result& result() const;
  const client_transcript& transcript() const noexcept { return transcript_; }

private:
  step_result on_res_pq(byte_view body);
  step_result on_server_dh_params(byte_view body, int64_t local_unix_time);
  step_result on_dh_gen(byte_view body);
  byte_buffer make_set_client_dh_params();
  [[noreturn]] void fail(handshake_errc code, const std::string& what);

  client_config cfg_;
  random_source& rng_;
  state state_ = state::idle;
  int128 nonce_{};
  int128 server_nonce_{};
  int256 new_nonce_{};
  int256 tmp_key_{};
  int256 tmp_iv_{};
  int32_t g_ = 0;
  byte_buffer dh_prime_;
  byte_buffer g_a_;
  int64_t retry_id_ = 0;
  crypto::auth_key_bytes auth_key_{};
  handshake_result result_;
  client_transcript transcript_;
};

const char* to_string(client_handshake::state s) noexcept;

} // namespace mtsender::handshake
