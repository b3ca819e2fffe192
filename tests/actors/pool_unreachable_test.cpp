// An unreachable DC is reported promptly: when no connection to it is live
// and connection attempts keep failing (a closed port, a peer that answers
// HTTP), waiting requests get connection_failed (never sent, safe to retry)
// long before their deadline, and the circuit breaker opens.
#include "pool_fixture.hpp"

#include "mtsender/actors/retry/circuit_breaker.hpp"

#include <atomic>
#include <cstring>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace pool_test;

namespace {

int bound_socket(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// A port nothing listens on: connects are refused.
uint16_t closed_port() {
  uint16_t port = 0;
  ::close(bound_socket(port));
  return port;
}

// A peer that answers every connection with an HTTP response and closes it.
class http_peer {
public:
  http_peer() {
    fd_ = bound_socket(port_);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { run(); });
  }
  ~http_peer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int served() const { return served_; }

private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        continue;
      pollfd q{c, POLLIN, 0};
      char buf[1024];
      if (::poll(&q, 1, 2000) > 0)
        [[maybe_unused]] auto n = ::recv(c, buf, sizeof buf, 0);
      const char* reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n";
      [[maybe_unused]] auto w = ::send(c, reply, std::strlen(reply), MSG_NOSIGNAL);
      ::close(c);
      ++served_;
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

pool_config config_for(uint16_t port) {
  pool_config c;
  c.dcs = {{2, "127.0.0.1", port}};
  c.rsa_keys = {test_dc::shared_test_key()->public_key()};
  c.max_connections = 2;
  c.restart_base = 50ms;
  c.restart_cap = 500ms;
  c.timeouts.connect = 3s;
  c.timeouts.handshake = 3s;
  return c;
}

void check_reported_promptly(const pool_config& cfg) {
  node n;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  pending_invokes invokes{self, pool};
  for (uint32_t i = 0; i < 3; ++i)
    invokes.send(2, request_of(custom_query(i), 20'000));
  auto out = invokes.collect();
  for (auto& o : out) {
    CHECK(o.answers == 1);
    CHECK(is(o.err, errc::connection_failed));
    if (auto* d = detail_of(o.err)) {
      CHECK_THAT(d->what, Catch::Contains("unreachable"));
      CHECK_FALSE(d->may_have_executed);
    }
    CHECK(o.took < 10s);  // the deadline was 20 s
  }
  // Every failed attempt counted for the breaker: it opens.
  pool_stats st;
  for (int i = 0; i < 100; ++i) {
    st = stats_of(self, pool);
    if (st.dc(2) && st.dc(2)->circuit_state == uint8_t(retry::breaker_state::open))
      break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->circuit_state == uint8_t(retry::breaker_state::open));
  // A request now is refused at once.
  auto t0 = std::chrono::steady_clock::now();
  auto late = invoke_one(self, pool, 2, request_of(custom_query(9), 20'000));
  CHECK((is(late.err, errc::circuit_open) || is(late.err, errc::connection_failed)));
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

} // namespace

TEST_CASE("a DC whose port is closed fails waiting requests promptly with connection_failed",
          "[actors][pool][unreachable]") {
  check_reported_promptly(config_for(closed_port()));
}

TEST_CASE("a DC address where a peer answers HTTP fails requests promptly with connection_failed",
          "[actors][pool][unreachable]") {
  http_peer peer;
  check_reported_promptly(config_for(peer.port()));
  CHECK(peer.served() >= 1);
}

TEST_CASE("with unreachable_after 0 requests wait for their deadline",
          "[actors][pool][unreachable]") {
  node n;
  auto cfg = config_for(closed_port());
  cfg.unreachable_after = 0;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1), 1500));
  CHECK(o.answers == 1);
  CHECK((is(o.err, errc::deadline_exceeded) || is(o.err, errc::circuit_open)));
  stop(self, pool);
}
