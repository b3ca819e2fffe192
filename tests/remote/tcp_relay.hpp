// A TCP relay on 127.0.0.1 that stands in for the network between two CAF
// nodes, so a test can make the link fail the two ways real links fail:
//
//   tcp_relay relay{target_port};          // listens on 127.0.0.1:relay.port()
//   remote_actor<dc_pool>("127.0.0.1", relay.port());
//   relay.freeze();   // a partition: sockets stay open, no byte passes (no FIN, no RST)
//   relay.cut();      // both sides see the connection close
//
// One thread; every connection accepted is paired with a new connection to
// the target. Plain blocking sockets: test traffic is small.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace remote_test {

class tcp_relay {
public:
  explicit tcp_relay(uint16_t target_port);
  ~tcp_relay();
  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;

  uint16_t port() const noexcept { return port_; }
  // Stops moving bytes; connections stay open and new ones are not accepted.
  void freeze();
  // Closes every connection (and stops accepting).
  void cut();
  // Connections accepted so far.
  int accepted() const noexcept { return accepted_.load(); }

private:
  enum class mode : uint8_t { forwarding, frozen, cut };
  void run();
  void command(mode m);

  uint16_t target_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<mode> mode_{mode::forwarding};
  std::atomic<int> accepted_{0};
  std::vector<std::pair<int, int>> pairs_;  // (accepted, to target); loop thread only
  std::thread loop_;
};

} // namespace remote_test
