// A man in the middle for tests: a TCP relay on 127.0.0.1 between an MTProto
// client and a server (mtproto-test-dc) that understands the transport
// framing, so a test can do what an attacker on the path can do:
//
//   test_support::tcp_relay relay{server_port};    // listens on 127.0.0.1:relay.port()
//   ... point the client at relay.port() ...
//   relay.wait_for_frames(0, relay_direction::to_client, 3, 10s);
//   auto seen = relay.frames(0, relay_direction::to_client);  // what the server sent
//   relay.inject(0, relay_frame::transport_error(-404));      // a forged error frame
//   relay.cut(0);                                             // the client reconnects: id 1
//   relay.wait_for_connections(2, 10s);
//   relay.inject(1, seen[2]);                                 // replay an old packet
//
// What it knows of the wire. Each accepted connection (ids 0, 1, 2, ... in
// accept order) is paired with a new connection to the target. The relay
// detects the framing from the client's first bytes with the codecs of
// transport/codec (abridged, intermediate, padded intermediate, full, and
// obfuscated2 over the first three, also with an MTProxy secret given in
// relay_options). Client -> server bytes pass unchanged (and are decoded on
// the side, to record them). Server -> client bytes are decoded into frames
// and each frame is written again toward the client, so anything injected
// lands on a frame boundary and stays valid in the stateful framings: the
// full framing's seqno is renumbered and the obfuscated2 key stream runs on
// over injected bytes (the relay derives the keys from the client's header,
// as anyone on the path can without a proxy secret). Re-encoding is byte for
// byte what the server sent, except the full framing's seqno/CRC after an
// injection and the random padding of a padded_intermediate error frame.
//
// A connection whose first bytes no framing starts with (or relay_options
// ::decode off) is relayed as opaque bytes: nothing is recorded and inject()
// refuses. If the server sends a frame the codec rejects, the relay forwards
// what it decoded before it and closes the connection (the client would have
// closed it on the same bytes).
//
// Bounded: each direction buffers at most max_buffered_bytes before the relay
// stops reading from its source (TCP flow control does the rest), and each
// connection records at most max_recorded_bytes of payload per direction
// (later frames are counted, not kept: see truncated()). One thread, one
// poll() loop, non-blocking sockets; the destructor closes every socket and
// joins the thread.
//
// Thread safety: every public member may be called from any thread. The
// filter runs on the relay's thread with the relay locked: it must not call
// back into the relay.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace mtsender::test_support {

// One decoded frame, owning its bytes.
struct relay_frame {
  codec::frame::kind type = codec::frame::kind::packet;
  // packet: the MTProto packet (padded_intermediate: with its padding).
  byte_buffer payload;
  int32_t error_code = 0;        // transport_error: -404, -429, ...
  uint32_t quick_ack_token = 0;  // quick_ack: as the server sent it

  static relay_frame packet(byte_view bytes);
  static relay_frame transport_error(int32_t code);
  static relay_frame quick_ack(uint32_t token);

  bool is_packet() const noexcept { return type == codec::frame::kind::packet; }
  // A packet whose auth_key_id (first 8 bytes) is not zero.
  bool is_encrypted() const noexcept;
};

enum class relay_direction : uint8_t { to_server, to_client };

struct relay_options {
  // Decode the framing (record, inject, filter); off: opaque bytes only.
  bool decode = true;
  // obfuscated2 through an MTProxy: the secret the client uses.
  std::optional<int128> proxy_secret;
  // Per direction and connection: bytes queued toward a peer before the
  // relay stops reading from the other one.
  size_t max_buffered_bytes = 8u << 20;
  // Per direction and connection: payload bytes kept by frames().
  size_t max_recorded_bytes = 16u << 20;
  // Largest frame the relay decodes (above the client's own limit, so tests
  // of oversized frames still reach the client's checks).
  size_t max_frame_size = 32u << 20;
};

class tcp_relay {
public:
  // Decides what the client gets in place of one frame from the server:
  // return {f} to forward it, {} to drop it, {f, relay_frame::transport_error(-404)}
  // to follow it with a forged error, ... `index` counts the connection's
  // server frames from 0. Runs on the relay thread; must not call the relay.
  using server_filter =
    std::function<std::vector<relay_frame>(size_t connection, size_t index, relay_frame f)>;

  // Throws std::system_error if 127.0.0.1:0 cannot be bound.
  explicit tcp_relay(uint16_t target_port, relay_options opts = {});
  ~tcp_relay();
  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;

  uint16_t port() const noexcept { return port_; }

  // Connections accepted so far (also those already closed).
  size_t connections() const;
  bool wait_for_connections(size_t n, std::chrono::milliseconds timeout) const;
  bool is_open(size_t id) const;
  // The connection's framing once detected (obfuscated2 reports the inner
  // framing in `inner`).
  std::optional<codec::framing> framing(size_t id, codec::framing* inner = nullptr) const;

  // Frames recorded on a connection, in order (up to max_recorded_bytes).
  std::vector<relay_frame> frames(size_t id, relay_direction dir) const;
  // Frames seen on a connection, also those past the recording budget.
  size_t frame_count(size_t id, relay_direction dir) const;
  bool truncated(size_t id, relay_direction dir) const;
  bool wait_for_frames(size_t id, relay_direction dir, size_t n,
                       std::chrono::milliseconds timeout) const;
  // Waits until some frame seen on the connection satisfies `pred` (which
  // runs with the relay locked); returns the first such frame.
  std::optional<relay_frame> wait_for_frame(size_t id, relay_direction dir,
                                            const std::function<bool(const relay_frame&)>& pred,
                                            std::chrono::milliseconds timeout) const;

  // Queues a frame toward the client, after every server frame already
  // forwarded. False if the connection is closed, opaque, or its framing is
  // not known yet. Throws std::invalid_argument for a packet the framing
  // cannot carry (empty, not a multiple of 4 bytes).
  bool inject(size_t id, const relay_frame& f);
  // Replays every recorded encrypted server packet of connection `from`
  // into `to` (the handshake's plaintext packets mean nothing on a session);
  // returns how many were queued.
  size_t replay(size_t from, size_t to);
  // Raw bytes toward the client, outside any frame (desynchronises stateful
  // framings on purpose). False if the connection is closed.
  bool inject_raw(size_t id, byte_view bytes);

  void set_filter(server_filter f);

  // Closes both sides of one connection / of every open connection. The
  // relay keeps accepting new connections.
  void cut(size_t id);
  void cut_all();

private:
  struct connection;
  void run();
  void wake() const;
  connection* find(size_t id) const;  // mu_ held
  bool queue_frame(connection& c, const relay_frame& f);  // mu_ held
  void on_client_bytes(connection& c, byte_view bytes);
  void on_server_bytes(connection& c, byte_view bytes);
  void detect(connection& c, byte_view bytes);
  void record(connection& c, relay_direction dir, const codec::frame& f);
  void close(connection& c);

  uint16_t target_port_;
  relay_options opts_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<std::unique_ptr<connection>> conns_;
  server_filter filter_;
  bool quit_ = false;
  std::thread loop_;
};

} // namespace mtsender::test_support
