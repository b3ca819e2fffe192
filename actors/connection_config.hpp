// Everything one connection actor needs to know (see connection.hpp).
//
//   connection_config cfg;
//   cfg.dc_id = 2; cfg.host = "149.154.167.50"; cfg.port = 443;
//   cfg.framing.kind = codec::framing::obfuscated2;
//   cfg.rsa_keys = telegram_keys;              // used only without an auth key
//   cfg.session = saved;                       // optional: key (and session) to continue
//   cfg.parent = self;                         // gets frame_events and the handoff
#pragma once

#include "mtsender/messages/session_state.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/crypto/rsa.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtsender {

struct init_heads;   // actors/connection_init.hpp

struct connection_timeouts {
  using ms = std::chrono::milliseconds;
  ms connect{10'000};            // TCP connect, off the I/O thread
  ms handshake{20'000};          // auth-key handshake, from the connect
  ms default_deadline{60'000};   // per request when rpc_options.deadline_ms == 0
  ms ping_interval{60'000};      // ping_delay_disconnect period
  ms dead_after{75'000};         // nothing received this long: the connection is dead
  ms ack_delay{50};              // a lone msgs_ack waits this long for a ride
  // A server that answers get_future_salts with rpc_error (some do) is not
  // asked again for this long; the pause doubles per refusal, up to 24 h.
  ms salts_refused_pause{600'000};
  // After a fault: how long the closed actor still refuses requests already
  // on their way (a request to a quit broker is silently dropped by CAF 0.17)
  // before it quits. The parent hears of the fault at once (connection_down
  // and the handoff); the down/exit message comes after this.
  ms linger{250};
};

struct connection_limits {
  size_t max_requests = 16'384;            // accepted and not yet answered
  size_t max_queued_connecting = 1'024;    // accepted before the session is ready
  size_t max_bytes_in_flight = 256u << 20; // body bytes of unanswered requests
  size_t ack_threshold = 16;               // pending acks that force a flush
  // Bytes asked of the socket per read. CAF sizes (zero-fills) its read
  // buffer to this for every read, so bigger is not better: 1 MiB cost ~30%
  // of small-RPC throughput in bench_connection.
  size_t read_chunk = 64u << 10;
};

struct connection_config {
  int32_t dc_id = 0;
  std::string host;
  uint16_t port = 0;
  codec::codec_options framing{};
  // Keys for the handshake (only used when there is no auth key).
  std::vector<crypto::rsa_public_key> rsa_keys;
  // The DC id put in the handshake's inner data (test DCs: +10000); 0 = dc_id.
  int32_t handshake_dc_id = 0;
  // An existing auth key (session.auth_key, 256 bytes) and, when
  // session.session_id != 0, a session to continue. Empty: make a new key.
  std::optional<session_state> session;
  // Gets frame_events and, before a fault ends the actor,
  // (handoff_atom, session_state). May be null.
  caf::actor parent;
  // Wrapper heads for connection init (actors/connection_init.hpp): with
  // them the connection wraps the first API request of each new session in
  // invokeWithLayer(initConnection(...)). Null: requests go out as given.
  std::shared_ptr<const init_heads> init;
  // Every request inside invokeWithoutUpdates (needs `init`).
  bool without_updates = false;

  // Perfect forward secrecy (core.telegram.org/api/pfs), on when > 0: no
  // message goes under the permanent key. The connection makes a temporary
  // key of this lifetime (p_q_inner_data_temp_dc), binds it with
  // auth.bindTempAuthKey as the first message of its session and is ready
  // only then. `session` holds the permanent key (made here first when
  // absent) or a bound temporary session to continue (temp_key_expires_at).
  // A bind the server refuses ends the actor with that rpc_error (typed);
  // ENCRYPTED_MESSAGE_INVALID is also reported as auth_key_unknown naming
  // the permanent key, which the server may have lost.
  std::chrono::seconds temp_key_lifetime{0};
  // Ready only once the server answered a ping under the key: a -404 before
  // that is the server saying, on this fresh connection, that it does not
  // know the key (how the pool checks a key after a -404 that anyone on the
  // path could have forged).
  bool verify_key = false;
  connection_timeouts timeouts{};
  connection_limits limits{};
};

} // namespace mtsender
