#include "mtsender/actors/connector.hpp"

#include <caf/actor.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/send.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mtsender::detail {

connect_slot::~connect_slot() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool connect_slot::park(int fd) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (abandoned_) {
    ::close(fd);
    return false;
  }
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = fd;
  return true;
}

int connect_slot::take() {
  std::lock_guard<std::mutex> guard{mtx_};
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void connect_slot::abandon() {
  std::lock_guard<std::mutex> guard{mtx_};
  abandoned_ = true;
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

namespace {

using steady = std::chrono::steady_clock;

// One address: socket, non-blocking connect, poll until `until`. Returns the
// connected fd or -1 with `why` set.
int try_address(const addrinfo* ai, steady::time_point until, std::string& why) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
  if (fd < 0) {
    why = std::string("socket(): ") + std::strerror(errno);
    return -1;
  }
  int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && errno != EINPROGRESS) {
    why = std::string("connect(): ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  while (rc != 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now());
    if (left.count() <= 0) {
      why = "connect timed out";
      ::close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) {
      why = std::string("poll(): ") + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (n > 0) {
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      if (err != 0) {
        why = std::string("connect(): ") + std::strerror(err);
        ::close(fd);
        return -1;
      }
      rc = 0;
    }
  }
  // Small MTProto frames must leave at once, not wait for Nagle.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

void connect_worker(caf::blocking_actor*, caf::actor reply_to, std::string host,
                    uint16_t port, std::chrono::milliseconds timeout, uint64_t generation,
                    std::shared_ptr<connect_slot> slot) {
  const auto until = steady::now() + timeout;
  std::string why;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  auto service = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (gai != 0) {
    why = "cannot resolve " + host + ": " + ::gai_strerror(gai);
  } else {
    for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
      int fd = try_address(ai, until, why);
      if (fd >= 0) {
        why.clear();
        if (!slot->park(fd))
          why = "connection abandoned";
        break;
      }
      if (steady::now() >= until)
        break;
    }
    ::freeaddrinfo(res);
    if (!why.empty())
      why = host + ":" + service + ": " + why;
  }
  // Anonymous: if the broker is terminating, this message must not keep the
  // connector (whose arguments hold the broker) alive from its mailbox.
  caf::anon_send(reply_to, conn_done_atom::value, generation, std::move(why));
}

} // namespace

void start_connect(caf::local_actor* self, caf::actor reply_to, std::string host,
                   uint16_t port, std::chrono::milliseconds timeout, uint64_t generation,
                   std::shared_ptr<connect_slot> slot) {
  self->spawn(connect_worker, std::move(reply_to), std::move(host), port, timeout,
              generation, std::move(slot));
}

} // namespace mtsender::detail
