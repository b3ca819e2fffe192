// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// Small POSIX socket helpers for the test server: an owning fd, listening on
// HOST:PORT (port 0 picks a free one) and parsing "DC_ID=HOST:PORT".
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace mtsender::test_dc {

// Closes the descriptor it owns; movable, not copyable.
class unique_fd {
public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;

private:
  int fd_ = -1;
};

// A non-blocking listening TCP socket on host:port (IPv4 or IPv6 literal, or
// "localhost"). Throws std::system_error naming the address on failure.
struct listener {
  unique_fd fd;
  std::string host;
  uint16_t port = 0;   // the bound port (the real one when 0 was asked)
};
listener listen_tcp(const std::string& host, uint16_t port, int backlog = 128);

void set_nonblocking(int fd);
void set_nodelay(int fd);

// "2=127.0.0.1:4430" -> {2, "127.0.0.1", 4430}; "[::1]:0" style for IPv6.
// Throws std::invalid_argument with a one-line reason.
struct listen_spec {
  int32_t dc_id = 0;
  std::string host;
  uint16_t port = 0;
};
listen_spec parse_listen_spec(const std::string& text);

// "127.0.0.1:4430" or "[::1]:4430" for printing.
std::string format_endpoint(const std::string& host, uint16_t port);

} // namespace mtsender::test_dc
