#include "mtsender/tests/test_dc/net.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace mtsender::test_dc {

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other)
    reset(std::exchange(other.fd_, -1));
  return *this;
}

void unique_fd::reset(int fd) noexcept {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = fd;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK)");
}

void set_nodelay(int fd) {
  int one = 1;
  // Answers are written in one piece; Nagle would only add latency.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

listener listen_tcp(const std::string& host, uint16_t port, int backlog) {
  const std::string name = host == "localhost" ? "127.0.0.1" : host;
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, name.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, name.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("not an IP address: '" + host + "'");
  }
  const std::string where = format_endpoint(host, port);
  unique_fd fd{::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd)
    throw std::system_error(errno, std::generic_category(), "socket() for " + where);
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0)
    throw std::system_error(errno, std::generic_category(), "bind " + where);
  if (::listen(fd.get(), backlog) < 0)
    throw std::system_error(errno, std::generic_category(), "listen " + where);
  set_nonblocking(fd.get());
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &blen) < 0)
    throw std::system_error(errno, std::generic_category(), "getsockname " + where);
  listener out;
  out.port = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                               : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  out.fd = std::move(fd);
  out.host = name;
  return out;
}

listen_spec parse_listen_spec(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad --listen '" + text + "': " + why
                                 + " (expected DC_ID=HOST:PORT, e.g. 2=127.0.0.1:0)");
  };
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw bad("no DC_ID=");
  listen_spec out;
  const std::string id = text.substr(0, eq);
  size_t used = 0;
  long dc = 0;
  try {
    dc = std::stol(id, &used);
  } catch (const std::exception&) {
    throw bad("DC_ID is not a number");
  }
  if (used != id.size() || dc == 0 || dc < -1000 || dc > 1000)
    throw bad("DC_ID must be a non-zero integer");
  out.dc_id = int32_t(dc);
  std::string rest = text.substr(eq + 1);
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      throw bad("unterminated [IPv6] host");
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string::npos)
      throw bad("no :PORT");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty())
    throw bad("empty HOST");
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos)
    throw bad("PORT is not a number");
  unsigned long p = std::stoul(port);
  if (p > 65535)
    throw bad("PORT above 65535");
  out.host = host;
  out.port = uint16_t(p);
  return out;
}

std::string format_endpoint(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

} // namespace mtsender::test_dc
