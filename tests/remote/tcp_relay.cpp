#include "tcp_relay.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <system_error>

namespace remote_test {

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("tcp_relay: ") + what);
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

} // namespace

tcp_relay::tcp_relay(uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    fail("socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    fail("bind/listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    fail("pipe");
  }
  loop_ = std::thread([this] { run(); });
}

tcp_relay::~tcp_relay() {
  command(mode::cut);
  char quit = 'q';
  (void) !::write(wake_[1], &quit, 1);
  loop_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
}

void tcp_relay::freeze() { command(mode::frozen); }
void tcp_relay::cut() { command(mode::cut); }

void tcp_relay::command(mode m) {
  mode_ = m;
  char c = 'c';
  (void) !::write(wake_[1], &c, 1);
}

void tcp_relay::run() {
  auto close_all = [this] {
    for (auto& [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    pairs_.clear();
  };
  for (;;) {
    auto m = mode_.load();
    if (m == mode::cut)
      close_all();
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    if (m == mode::forwarding) {
      fds.push_back({listen_fd_, POLLIN, 0});
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[0].revents & POLLIN) {
      char buf[16];
      auto n = ::read(wake_[0], buf, sizeof buf);
      for (ssize_t i = 0; i < n; ++i)
        if (buf[i] == 'q') {
          close_all();
          return;
        }
      continue;  // the mode may have changed: rebuild the poll set
    }
    if (m != mode::forwarding)
      continue;
    const size_t polled = pairs_.size();  // a pair accepted below has no pollfd yet
    if (fds[1].revents & POLLIN) {
      int a = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (a >= 0) {
        int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto to = loopback(target_port_);
        if (b >= 0 && ::connect(b, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
          int one = 1;
          ::setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ::setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          pairs_.emplace_back(a, b);
          ++accepted_;
        } else {
          ::close(a);
          if (b >= 0)
            ::close(b);
        }
      }
    }
    // Move bytes; a pair whose side closed or failed is closed on both ends,
    // so each node sees what it would see from a real peer.
    std::vector<std::pair<int, int>> alive;
    for (size_t i = 0; i < pairs_.size(); ++i) {
      auto [a, b] = pairs_[i];
      if (i >= polled) {
        alive.emplace_back(a, b);
        continue;
      }
      bool ok = true;
      const pollfd& pa = fds[2 + 2 * i];
      const pollfd& pb = fds[3 + 2 * i];
      char buf[64 * 1024];
      if (ok && (pa.revents & (POLLIN | POLLHUP | POLLERR))) {
        auto n = ::recv(a, buf, sizeof buf, 0);
        ok = n > 0 && send_all(b, buf, static_cast<size_t>(n));
      }
      if (ok && (pb.revents & (POLLIN | POLLHUP | POLLERR))) {
        auto n = ::recv(b, buf, sizeof buf, 0);
        ok = n > 0 && send_all(a, buf, static_cast<size_t>(n));
      }
      if (ok) {
        alive.emplace_back(a, b);
      } else {
        ::close(a);
        ::close(b);
      }
    }
    pairs_ = std::move(alive);
  }
}

} // namespace remote_test
