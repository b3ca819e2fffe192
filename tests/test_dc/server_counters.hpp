// What the test server saw, for assertions: a snapshot, per DC or summed.
#pragma once

#include <cstdint>
#include <map>

namespace mtsender::test_dc {

struct server_counters {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t frames_received = 0;
  uint64_t frames_sent = 0;
  uint64_t handshakes_started = 0;     // req_pq / req_pq_multi received
  uint64_t handshakes_completed = 0;   // dh_gen_ok sent
  uint64_t handshakes_failed = 0;
  uint64_t temp_keys_made = 0;         // of handshakes_completed, temporary keys
  uint64_t auth_keys = 0;              // keys currently known
  uint64_t sessions = 0;               // sessions currently known
  uint64_t new_sessions = 0;           // new_session_created sent
  uint64_t packets_decrypted = 0;
  uint64_t bad_packets = 0;            // failed decryption or layout checks
  uint64_t unknown_auth_key = 0;       // packets naming a key we do not know
  uint64_t messages_received = 0;      // every message, inside containers too
  uint64_t containers_received = 0;
  uint64_t duplicates = 0;
  uint64_t acks_received = 0;          // msg ids acknowledged by clients
  uint64_t bad_msg_notifications = 0;  // sent, bad_server_salt excluded
  uint64_t bad_server_salts = 0;       // sent
  uint64_t rpc_results = 0;            // rpc_result sent (answers and errors)
  uint64_t rpc_errors = 0;
  uint64_t containers_sent = 0;
  uint64_t gzip_sent = 0;
  uint64_t updates_sent = 0;
  uint64_t transport_errors_sent = 0;
  uint64_t faults_injected = 0;
  uint64_t ping_disconnects = 0;      // connections closed by ping_delay_disconnect
  uint64_t quick_acks_sent = 0;
  uint64_t packets_lost = 0;          // dropped unread by the lose_query fault
  uint64_t answers_resent = 0;        // answers sent again for msg_resend_ans_req

  uint64_t temp_keys_bound = 0;       // auth.bindTempAuthKey that succeeded
  uint64_t binds_refused = 0;         // auth.bindTempAuthKey answered with an error
  // Per constructor id: every message body received (service messages, the
  // wrappers and the unwrapped queries).
  std::map<uint32_t, uint64_t> received;

  uint64_t count(uint32_t constructor_id) const {
    auto it = received.find(constructor_id);
    return it == received.end() ? 0 : it->second;
  }
  server_counters& operator+=(const server_counters& o);
};

} // namespace mtsender::test_dc
