// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// One DC of the test server: a listening socket, an epoll event loop on its
// own thread, the auth keys made on this DC and their sessions.
//
// Internal to tests/test_dc (server.hpp is the public face). Every piece of
// DC state is guarded by one recursive mutex: the loop holds it while it
// handles a batch of events, API calls take it from other threads (and from
// rpc handlers, which run inside the loop, hence recursive) and then wake the
// loop through an eventfd so queued output gets written.
#pragma once

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/net.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/tests/test_dc/server_session.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/server_handshake.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace mtsender::test_dc {

// State every DC of a server shares.
struct shared_context {
  server_options opts;
  builtin_context builtins;   // filled in by server::start (real ports)
  std::vector<std::shared_ptr<const crypto::rsa_private_key>> keys;

  std::mutex handlers_mu;
  std::unordered_map<uint32_t, std::shared_ptr<const rpc_handler>> handlers;
  std::unordered_map<uint32_t, uint64_t> call_counts;
  account_book accounts;   // shared by the DCs: export/import work across them

  void log(const std::string& line) const {
    if (opts.log)
      opts.log(line);
  }
};

using steady = std::chrono::steady_clock;

struct connection {
  uint64_t id = 0;
  unique_fd fd;
  std::string peer;
  std::unique_ptr<codec::framing_detector> detector;
  std::unique_ptr<codec::frame_codec> codec;
  byte_buffer out;              // bytes not yet written
  size_t out_pos = 0;
  bool epollout = false;        // EPOLLOUT registered
  bool close_after_flush = false;
  bool stalled = false;
  uint64_t frames_in = 0;
  std::unique_ptr<handshake::server_handshake> handshake;
  std::unique_ptr<session::packet_cipher> cipher;   // for the last key used
  steady::time_point disconnect_at = steady::time_point::max();
};

struct auth_key_record {
  crypto::auth_key_bytes key{};
  uint64_t salt_seed = 0;       // salts are derived from it per period
  int64_t first_salt = 0;       // from the handshake, accepted in its first period
  int64_t created = 0;          // unix seconds
  int32_t expires_at = 0;       // temporary keys; 0: permanent
  uint64_t bound_to = 0;        // temporary keys: the permanent key id, once bound
};

class dc_server {
public:
  dc_server(int32_t dc_id, listener l, shared_context& shared);
  ~dc_server();

  void start();
  void stop();

  int32_t id() const noexcept { return id_; }
  uint16_t port() const noexcept { return listener_.port; }
  const std::string& host() const noexcept { return listener_.host; }

  size_t push_update(byte_view body, std::optional<int64_t> session_id);
  server_counters counters() const;
  std::vector<int64_t> session_ids() const;
  std::vector<int64_t> subscribed_session_ids() const;
  bool close_connection_of(int64_t session_id);
  void set_faults(const fault_plan& f);
  void forget_sessions();
  void forget_auth_keys();
  void forget_temp_keys();
  void close_connections();

private:
  // dc_loop.cpp: sockets and timers
  void run();
  void wake();
  void on_accept();
  void on_readable(connection& c);
  void on_writable(connection& c);
  void process_frames(connection& c);
  void flush(connection& c);
  void close(connection& c, const std::string& why);
  void close_now(uint64_t conn_id, const std::string& why);
  void reap();
  void update_epoll(connection& c);
  connection* find(uint64_t conn_id);
  void run_timers();
  void add_timer(steady::time_point at, std::function<void()> fn);
  int next_timeout_ms() const;
  void log(connection& c, const std::string& what);

  // dc_handshake.cpp: unencrypted messages
  void on_plain_packet(connection& c, byte_view packet);

  // dc_messages.cpp: encrypted messages and service messages
  void on_encrypted_packet(connection& c, byte_view packet, bool quick_ack);
  void process_message(connection& c, server_session& s, const incoming& m);
  bool check_message(server_session& s, const incoming& m);
  void handle_body(connection& c, server_session& s, const incoming& m, byte_view body);
  void send_bad_msg(server_session& s, const incoming& m, int32_t code);
  void flush_session(server_session& s);
  void send_packet(connection& c, server_session& s, byte_buffer& plaintext);
  int64_t next_msg_id(bool response);
  int64_t current_salt(const auth_key_record& k, int64_t now_s) const;
  bool salt_ok(const auth_key_record& k, int64_t salt, int64_t now_s) const;
  server_session* find_session(uint64_t key_id, int64_t session_id);

  // dc_rpc.cpp: queries (built-in and registered)
  void handle_query(connection& c, server_session& s, const incoming& m, byte_view body);
  void deliver_reply(uint64_t key_id, int64_t session_id, int64_t req_msg_id,
                     const rpc_reply& reply, bool is_file);
  std::optional<rpc_reply> builtin_reply(const rpc_call& call, bool& is_file);
  std::vector<int32_t> dc_ids() const;

  // dc_bind.cpp: auth.bindTempAuthKey
  rpc_reply bind_temp_key(connection& c, server_session& s, const incoming& m, byte_view query);

  int64_t unix_now_s() const;
  int64_t unix_now_ns() const;

  const int32_t id_;
  listener listener_;
  shared_context& shared_;
  unique_fd epoll_;
  unique_fd wake_fd_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  mutable std::recursive_mutex mu_;
  crypto::secure_random rng_;
  fault_plan faults_;
  server_counters counters_;
  uint64_t next_conn_id_ = 16;   // 0..15 are reserved epoll tags
  std::unordered_map<uint64_t, std::unique_ptr<connection>> conns_;
  std::vector<uint64_t> doomed_;  // closed during a batch, freed after it
  std::unordered_map<uint64_t, auth_key_record> keys_;
  std::map<std::pair<uint64_t, int64_t>, std::unique_ptr<server_session>> sessions_;
  std::multimap<steady::time_point, std::function<void()>> timers_;
  int64_t last_msg_id_ = 0;
  byte_buffer scratch_;
};

} // namespace mtsender::test_dc
