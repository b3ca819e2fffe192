// The server side of the auth-key handshake, the mirror image of
// client_handshake; the local test server (tests/test_dc) runs one per
// connection until it has a key.
//
//   server_handshake hs{cfg, rng};
//   for each unencrypted message from the client:
//     auto step = hs.on_message(read_plain_message(frame, plain_sender::client).body,
//                               unix_now);
//     if (!step.send.empty()) send(make_plain_message(ids.next_server(now_ns), step.send));
//     if (step.status == step_status::done) store(hs.result());
//     if (step.status == step_status::failed) close();
//
// It answers req_pq_multi and the legacy req_pq with resPQ (pq = p*q of two
// random primes near 2^31, so pq < 2^63), decrypts RSA_PAD with its private
// key(s), accepts all three P_Q_inner_data constructors, sends dh_prime and g
// (Telegram's prime and g = 3 by default), validates everything the client
// sends (nonces, p and q, the SHA-1 and padding of client_DH_inner_data,
// retry_id, g_b range; g_b may come with leading zero bytes stripped) and
// throws handshake_error on the first failed check. It can be told to answer
// dh_gen_retry a number of times, dh_gen_fail, or server_DH_params_fail, so
// tests can drive the client through those paths.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/handshake/handshake_error.hpp"
#include "mtsender/transport/handshake/handshake_result.hpp"
#include "mtsender/transport/random.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace mtsender::handshake {

struct server_config {
  // Private keys; resPQ offers all their fingerprints. Shared, since every
  // connection of a server uses the same keys.
  std::vector<std::shared_ptr<const crypto::rsa_private_key>> keys;
  // Empty: Telegram's prime. Any other must be a 2048-bit safe prime.
  byte_buffer dh_prime;
  // 0: 3 if it fits dh_prime's residue condition, else the first of 2..7 that does.
  int32_t g = 0;
  // Answer dh_gen_retry this many times before dh_gen_ok.
  int retry_answers = 0;
  // Answer dh_gen_fail instead of dh_gen_ok (after any retries).
  bool answer_dh_gen_fail = false;
  // Answer req_DH_params with server_DH_params_fail.
  bool answer_server_dh_params_fail = false;
};

class server_handshake {
public:
  enum class state : uint8_t {
    wait_req_pq, wait_req_dh_params, wait_set_client_dh_params, done, failed
  };

  // Throws std::invalid_argument if there is no key, or dh_prime/g are
  // unusable (a custom dh_prime pays the cached safe-prime test here).
  // `rng` must outlive the handshake.
  server_handshake(server_config cfg, random_source& rng);
  ~server_handshake();
  server_handshake(const server_handshake&) = delete;
  server_handshake& operator=(const server_handshake&) = delete;

  // Feeds the body of an unencrypted message from the client;
  // `server_unix_time` (seconds) goes into server_DH_inner_data.
  step_result on_message(byte_view body, int64_t server_unix_time);

  state current_state() const noexcept { return state_; }
  // Throws std::logic_error unless the state is done.
  const handshake_result& result() const;
  int32_t g() const noexcept { return g_; }

private:
  step_result on_req_pq(byte_view body);
  step_result on_req_dh_params(byte_view body, int64_t server_unix_time);
  step_result on_set_client_dh_params(byte_view body);
  [[noreturn]] void fail(handshake_errc code, const std::string& what);

  server_config cfg_;
  random_source& rng_;
  state state_ = state::wait_req_pq;
  int32_t g_ = 3;
  int128 nonce_{};
  int128 server_nonce_{};
  int256 new_nonce_{};
  uint64_t p_ = 0, q_ = 0;
  byte_buffer pq_bytes_;
  byte_buffer a_;
  byte_buffer g_a_;
  int256 tmp_key_{};
  int256 tmp_iv_{};
  int64_t expected_retry_id_ = 0;
  int retries_sent_ = 0;
  handshake_result result_;
};

const char* to_string(server_handshake::state s) noexcept;

} // namespace mtsender::handshake
