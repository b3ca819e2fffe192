// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The server's record of one MTProto session (auth key + session id): what
// the client sent (for duplicates, seqno rules and msgs_state_req), what the
// server queued and sent (for msg_resend_req, rpc_drop_answer and acks) and
// which connection currently carries it.
#pragma once

#include "mtsender/tests/test_dc/api_rules.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/session/seqno.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace mtsender::test_dc {

// One message from the client, top-level or inside a container.
struct incoming {
  int64_t msg_id = 0;
  int32_t seqno = 0;
  byte_view body;
  int64_t salt = 0;
  bool in_container = false;
};

// A message waiting to be sent.
struct outgoing {
  byte_buffer body;
  bool content = true;     // odd seqno, wants an ack
  bool response = true;    // msg_id ≡ 1 mod 4 (answers); else ≡ 3 (updates)
  int64_t answers = 0;     // the client msg_id this answers (0: none)
  bool no_gzip = false;
  bool update = false;     // pushed by the API (counted as an update)
};

// A content-related message sent and not yet acknowledged.
struct sent_message {
  byte_buffer body;
  int32_t seqno = 0;
  int64_t answers = 0;
};

class server_session {
public:
  // Flags kept per received msg_id (see msgs_state_info's status byte).
  static constexpr uint8_t content_flag = 1;
  static constexpr uint8_t query_flag = 2;
  static constexpr uint8_t answered_flag = 4;

  // Bounded memories: enough for the security guidelines' 1000 ids.
  static constexpr size_t received_cap = 4096;
  static constexpr size_t sent_cap = 4096;

  server_session(uint64_t key_id, int64_t id) : key_id(key_id), id(id) {}

  uint64_t key_id;
  int64_t id;
  uint64_t conn_id = 0;          // 0: no live connection
  bool announced = false;        // new_session_created sent
  // The first msg_id the server saw of this session (its new_session_created
  // first_msg_id): of anything older it knows nothing, it may have been sent
  // to a session the server since forgot.
  int64_t first_msg_id = 0;
  // initConnection, layer and update subscription (api_rules.hpp).
  api_session_state api;

  // Client numbering, for the seqno checks.
  int64_t last_msg_id = 0;
  int32_t last_seqno = -1;

  std::vector<int64_t> pending_acks;
  std::vector<outgoing> queue;
  session::seqno_counter seqno;

  // True if msg_id was received before (then it is a duplicate).
  bool received(int64_t msg_id) const { return received_.count(msg_id) != 0; }
  void record_received(int64_t msg_id, uint8_t flags);
  void mark(int64_t msg_id, uint8_t flags);
  // msgs_state_info status byte for a client msg_id; `too_high` when the id
  // lies beyond the server's acceptance window.
  uint8_t state_of(int64_t msg_id, bool too_high) const;

  // Content-related messages sent and not acknowledged.
  std::map<int64_t, sent_message> sent;
  void remember_sent(int64_t msg_id, sent_message m);
  // Client queries answered: req msg_id -> answer msg_id.
  std::map<int64_t, int64_t> answered;
  // Queries whose (delayed) answer is still due.
  std::set<int64_t> running;
  // Queries the client dropped with rpc_drop_answer while running.
  std::set<int64_t> dropped;

private:
  std::map<int64_t, uint8_t> received_;
  int64_t forgotten_below_ = 0;
};

} // namespace mtsender::test_dc
