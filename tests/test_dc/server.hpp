// mtproto-test-dc as a C++ object: a real MTProto 2.0 server on local TCP
// ports, for tests and benchmarks (the `mtproto-test-dc` program wraps it).
//
//   test_dc::server_options opts;                  // one DC 2 on 127.0.0.1:0
//   opts.rsa_key = test_dc::shared_test_key();     // or load / generate one
//   test_dc::server srv{std::move(opts)};
//   srv.start();
//   connect to 127.0.0.1:srv.port(2), trust srv.public_key() ...
//   srv.on(0xdeadbeef, handler);                   // answers for other methods
//   srv.push_update(update_body);                  // to every session
//   CHECK(srv.counters().count(0x7abe77ec) == 1);  // pings received
//   srv.stop();                                    // also done by ~server
//
// Each DC runs one epoll event-loop thread with its own key store and
// sessions; every DC shares the RSA key. Every public member is thread-safe.
#pragma once

#include "mtsender/tests/test_dc/accounts.hpp"
#include "mtsender/tests/test_dc/api_rules.hpp"
#include "mtsender/tests/test_dc/fault_plan.hpp"
#include "mtsender/tests/test_dc/file_options.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"
#include "mtsender/tests/test_dc/server_counters.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/rsa.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtsender::test_dc {

class file_store;

struct dc_endpoint {
  int32_t dc_id = 2;
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0: a free port, see server::port()
};

// How pong is sent (clients differ in what they accept).
enum class pong_style : uint8_t {
  top_level,    // pong#347773c5 as its own message (what Telegram does)
  rpc_result,   // rpc_result{req_msg_id = ping's msg_id, pong}
};

struct server_options {
  std::vector<dc_endpoint> dcs{dc_endpoint{}};
  // Shared by every DC. Required (see shared_test_key / load_or_create_key).
  std::shared_ptr<const crypto::rsa_private_key> rsa_key;
  // One line per connection event; called from loop threads. Empty: quiet.
  std::function<void(const std::string&)> log;
  fault_plan faults;
  pong_style pong = pong_style::top_level;
  // Answers of at least this many bytes go out gzip_packed when that makes
  // them smaller (upload.file bytes are never packed: Telegram does not).
  size_t gzip_threshold = 1024;
  // Accepted client msg_id distance from the server clock, in seconds.
  int32_t time_window_past = 300;
  int32_t time_window_future = 30;
  // Shifts the server clock (seconds), e.g. to test a client's time sync.
  int32_t clock_offset = 0;
  // help.getNearestDc answer.
  std::string country = "ZZ";
  // Files without Telegram's checks: getFile offset/limit alignment, upload
  // part sizes, md5 (file_store.hpp lists them).
  bool lenient_files = false;
  // Uploads kept, where files live, the CDN DC (file_options.hpp).
  file_options files;
  // The CDN DC's own RSA key: help.getCdnConfig hands out its public key,
  // and the CDN DC presents only it in the handshake (the other DCs only
  // `rsa_key`). Empty: the shared key everywhere.
  std::shared_ptr<const crypto::rsa_private_key> cdn_rsa_key;
  // MTProxy-style secret for obfuscated2 connections (clients must use it).
  std::optional<int128> proxy_secret;
  // Largest frame accepted from a client.
  size_t max_frame_size = (4u << 20) + 1024;
  // A salt is valid this long; the previous one stays accepted as long again.
  int32_t salt_period = 3600;
  // Telegram's API-layer rules (api_rules.hpp): initConnection required,
  // served layers, invokeWithoutUpdates. All on by default.
  api_rules rules;
  // Bot accounts, exported authorizations, home DCs, file DC (accounts.hpp).
  account_options accounts;

  // Telegram's rule for temporary keys (core.telegram.org/api/pfs): until
  // auth.bindTempAuthKey binds one, every other query on it is answered
  // 401 AUTH_KEY_PERM_EMPTY. Off: unbound temporary keys work like permanent ones.
  bool require_bound_temp_keys = true;
};

// A 2048-bit key generated once per process (generating one costs ~100 ms).
std::shared_ptr<const crypto::rsa_private_key> shared_test_key();

class server {
public:
  explicit server(server_options opts);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds every DC's port and starts the loops. Throws std::system_error or
  // std::invalid_argument naming the address that failed.
  void start();
  // Closes every connection and joins the loops; idempotent.
  void stop();
  bool running() const noexcept;

  uint16_t port(int32_t dc_id) const;       // throws std::out_of_range for an unknown DC
  std::string host(int32_t dc_id) const;
  std::vector<int32_t> dc_ids() const;
  const crypto::rsa_public_key& public_key() const noexcept;
  int64_t fingerprint() const noexcept;

  // Answers for a query constructor id (after unwrapping), on every DC;
  // replaces a built-in answer or an earlier handler.
  void on(uint32_t constructor_id, rpc_handler handler);
  void remove_handler(uint32_t constructor_id);

  // Sends `body` (a boxed TL value such as updates#74ae4240) as an update to
  // the session `session_id`, or to every session, on `dc_id` (0: every DC).
  // A session whose connection is gone gets it when it comes back. Returns
  // the number of sessions it was queued for.
  size_t push_update(byte_view body, int32_t dc_id = 0,
                     std::optional<int64_t> session_id = std::nullopt);

  // Snapshot of one DC's counters, or the sum of every DC (dc_id 0).
  server_counters counters(int32_t dc_id = 0) const;
  // Uploaded parts and assembled files (file_store.hpp), shared by every DC.
  file_store& files() const noexcept;

  // Session ids known on a DC.
  std::vector<int64_t> sessions(int32_t dc_id) const;
  // Sessions that subscribed to updates with an API call outside
  // invokeWithoutUpdates (api_rules.hpp).
  std::vector<int64_t> subscribed_sessions(int32_t dc_id) const;
  // Closes the connection that carries `session_id` on `dc_id` (the session
  // stays known). False if it has none.
  bool close_connection_of(int32_t dc_id, int64_t session_id);

  // Faults for connections from now on (and live ones), dc_id 0: every DC.
  // Before start(): every DC only (throws std::logic_error for one DC).
  void set_faults(const fault_plan& faults, int32_t dc_id = 0);
  void clear_faults(int32_t dc_id = 0) { set_faults(fault_plan{}, dc_id); }

  // auth.bindTempAuthKey is built in (it needs the DC's keys): checks and
  // errors as core.telegram.org/method/auth.bindTempAuthKey lists them.
  // A "restart": forget every session (clients get new_session_created) or
  // every auth key (clients get -404 and must redo the handshake). Both close
  // the open connections, as a restarted server would.
  void forget_sessions(int32_t dc_id = 0);
  void forget_auth_keys(int32_t dc_id = 0);
  // Only the temporary keys (Telegram keeps them in RAM only): their
  // clients get -404, the permanent keys stay.
  void forget_temp_keys(int32_t dc_id = 0);
  void close_connections(int32_t dc_id = 0);

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace mtsender::test_dc
