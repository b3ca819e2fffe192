// Everything spawn_dc_pool (actors/dc_pool.hpp) needs. The defaults reach
// Telegram's production DCs with its built-in key; tests point `dcs` and
// `rsa_keys` at mtproto-test-dc.
//
//   pool_config cfg;
//   cfg.dcs = {{2, "127.0.0.1", port}};
//   cfg.rsa_keys = {crypto::rsa_public_key::from_pem_file("test.pub.pem")};
//   cfg.store = std::make_shared<store::file_session_store>("app.session");
#pragma once

#include "mtsender/actors/client_identity.hpp"
#include "mtsender/actors/connection_config.hpp"
#include "mtsender/actors/dc_route.hpp"
#include "mtsender/actors/retry/auto_sleep.hpp"
#include "mtsender/actors/retry/circuit_breaker.hpp"
#include "mtsender/actors/retry/retry_policy.hpp"
#include "mtsender/actors/telegram_defaults.hpp"
#include "mtsender/messages/pool_listener.hpp"
#include "mtsender/store/session_store.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <vector>

namespace mtsender {

// Perfect forward secrecy (core.telegram.org/api/pfs), as TDLib does it:
// every connection runs under a temporary key bound to the DC's permanent
// key (auth.bindTempAuthKey), renewed before it expires. The permanent key
// then only seals binds, a recorded connection cannot be read even with it,
// and a -404 costs only a temporary key.
struct pfs_options {
  bool enabled = true;
  std::chrono::seconds temp_key_lifetime{24 * 3600};
  // A slot replaces its temporary key when it has this fraction of its
  // lifetime left: it stops taking requests, and once those on it are
  // answered (or `drain_limit` passed) it reconnects with a new key.
  double renew_at_fraction_left = 0.25;
  std::chrono::milliseconds drain_limit{10'000};
};

struct pool_config {
  using ms = std::chrono::milliseconds;

  // DC id -> address. An entry in the store's DC table, or one learned from
  // help.getConfig, replaces these unless `pin_configured_dcs`.
  std::vector<dc_endpoint> dcs = telegram_production_dcs();
  // Keys trusted for the handshake (only used for DCs without an auth key).
  std::vector<crypto::rsa_public_key> rsa_keys = telegram_production_keys();
  // Framing of every connection; obfuscated2 gets each DC's id put in.
  codec::codec_options framing{};
  // Telegram's test DCs want dc_id + 10000 in the handshake.
  bool test_servers = false;
  // Auth keys known up front (256 bytes each), by DC id.
  std::map<int32_t, byte_buffer> auth_keys;
  // Loaded at start, saved when a key is made or dropped. May be null.
  std::shared_ptr<store::session_store> store;

  // The account's home DC: where invokes for DC 0 go. 0: the store's, else
  // the first of `dcs`. USER_/PHONE_/NETWORK_MIGRATE_X move it.
  int32_t home_dc = 0;

  // initConnection's values and the API layer (actors/client_identity.hpp).
  client_identity identity{};
  // True: the first API request of every new MTProto session on every
  // connection goes out inside invokeWithLayer(initConnection(...)), and a
  // request answered CONNECTION_NOT_INITED / CONNECTION_LAYER_INVALID is sent
  // once more with it. False: bodies go out exactly as given (a server that
  // speaks only MTProto).
  bool init_connection = true;

  // True: a request for a DC whose key is not authorized, when the home
  // DC's is, waits for auth.exportAuthorization on the home DC and
  // auth.importAuthorization on its DC (once per DC and key, shared by all
  // waiting requests). False: requests go out as they are.
  bool export_authorization = true;

  // The live DC table (actors/pool_dc_config.cpp): help.getConfig runs
  // after the first live connection, on refresh_dc_config, and before a
  // request for a DC the pool has no address for fails; its dc_options
  // (chosen by `dc_rules`, actors/dc_table.hpp) add DCs and move them, and
  // the store keeps them. A DC missing from an answer is kept. False: the
  // table is `dcs` and the store's, and an unknown DC fails at once.
  bool learn_dcs = true;
  // True: every DC in `dcs` keeps its configured address: neither the
  // store's nor a learned one replaces it (a relay, a tunnel, a DC you run).
  // False: `dcs` only bootstraps, as Telegram's built-in addresses are meant.
  bool pin_configured_dcs = false;
  dc_table_rules dc_rules{};
  // How long one help.getConfig may take (a request waiting for it to learn
  // its DC waits this long at most, then fails with unknown_dc).
  ms dc_config_deadline{10'000};

  // Connection classes per DC (messages/connection_class.hpp): each class
  // has its own connections, on the DC's one auth key (with PFS each has
  // its own temporary key bound to it), each with its own MTProto session,
  // queue and cap; an invoke picks its class with
  // rpc_options::connection_class. `main` carries API calls and the DC's
  // update stream: its cap is max_connections.
  size_t max_connections = 3;     // per DC, main class
  // The file classes: opened on the first request of the class, never
  // subscribed to updates (every request goes inside invokeWithoutUpdates),
  // not counted against max_connections. 0: the class uses 1.
  size_t max_upload_connections = 4;     // per DC
  size_t max_download_connections = 4;   // per DC
  // A file connection with nothing in flight this long is closed (and
  // opened again by the next request of its class).
  ms file_idle_close{60'000};

  // A slot with this many requests in flight counts as busy: a new slot is
  // opened when every live slot is busy.
  size_t busy_threshold = 1;
  size_t max_queued = 100'000;    // per DC and class, waiting for a live connection
  ms default_deadline{30'000};    // per invoke when rpc_options.deadline_ms == 0

  // Null: the default (a circuit breaker around auto_sleep). Invokes with
  // rpc_options.max_retries >= 0 get the breaker around auto_sleep capped to
  // that many retries of each kind (0: no retries).
  std::shared_ptr<retry::retry_policy> retry_policy;
  retry::auto_sleep_config auto_sleep{};
  retry::breaker_config breaker{};

  listener_options listeners{};   // for subscribers that give none

  // Replacing a failed connection: base * 2^(failures-1) with +-25% jitter,
  // capped; the count resets once a connection stayed up `healthy_after`.
  ms restart_base{100};
  ms restart_cap{10'000};
  ms healthy_after{30'000};
  // A DC with no live connection whose connection attempts (TCP connect and
  // handshake, with the restart back-off between them: about 1 s in all
  // with the defaults) failed this many times in a row is unreachable:
  // requests waiting for it fail with connection_failed (never sent, safe to
  // retry) instead of at their deadline, and so do new ones until a
  // connection comes up. Each failed attempt also counts for the circuit
  // breaker. 0: requests wait for their deadline.
  int unreachable_after = 4;
  // Requests sent again after a lost connection (not executed, or
  // safe_to_repeat) before the retry policy takes over.
  int max_resends = 3;

  // On by default; a -404 or a refused bind then never costs the permanent
  // key without the server confirming it on a fresh connection.
  pfs_options pfs{};

  connection_timeouts timeouts{};
  connection_limits limits{};
};

} // namespace mtsender
