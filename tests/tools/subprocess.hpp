// Runs the tools as child processes for end-to-end tests.
//
//   auto r = tools_test::run({MTSENDER_PING_EXE, "127.0.0.1:1"}, 20s);
//   CHECK(r.exit_code == 3);  // r.out, r.err: everything the child wrote
//
//   tools_test::test_dc_process dc{MTSENDER_TEST_DC_EXE, tmp_dir, {"--stall"}};
//   dc.port(); dc.fingerprint(); dc.public_key_path();   // killed in the destructor
//
// POSIX only (fork/exec, pipes, poll). Every wait has a deadline: a child
// that hangs is killed and reported, never waited for forever.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <vector>

namespace tools_test {

using sclock = std::chrono::steady_clock;

struct run_result {
  int exit_code = -1;       // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out, err;
  double seconds = 0;
};

namespace detail {

inline void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// fork + execv with the child's stdout/stderr on new pipes (or /dev/null
// when the pointer is null). Returns the pid.
inline pid_t spawn(const std::vector<std::string>& argv, int* out_fd, int* err_fd) {
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if ((out_fd && ::pipe(out_pipe) != 0) || (err_fd && ::pipe(err_pipe) != 0))
    throw std::runtime_error(std::string("pipe(): ") + std::strerror(errno));
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string("fork(): ") + std::strerror(errno));
  if (pid == 0) {
#ifdef __linux__
    // If the test binary dies (crash, SIGPIPE, ctest timeout), so does the
    // child: no server outlives its test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(out_fd ? out_pipe[1] : devnull, 1);
    ::dup2(err_fd ? err_pipe[1] : devnull, 2);
    // Only the standard descriptors survive into the child.
    for (int fd = 3; fd < 1024; ++fd)
      ::close(fd);
    ::execv(args[0], args.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
  }
  if (out_fd) {
    ::close(out_pipe[1]);
    *out_fd = out_pipe[0];
  }
  if (err_fd) {
    ::close(err_pipe[1]);
    *err_fd = err_pipe[0];
  }
  return pid;
}

inline int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

} // namespace detail

// Runs a program to completion (or kills it at `limit`), collecting its output.
inline run_result run(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  run_result r;
  const auto t0 = sclock::now();
  const auto until = t0 + limit;
  int fds[2] = {-1, -1};
  pid_t pid = detail::spawn(argv, &fds[0], &fds[1]);
  std::string* sinks[2] = {&r.out, &r.err};
  while (fds[0] >= 0 || fds[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - sclock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p[2];
    int n = 0;
    int which[2];
    for (int k = 0; k < 2; ++k)
      if (fds[k] >= 0) {
        p[n] = pollfd{fds[k], POLLIN, 0};
        which[n++] = k;
      }
    int rc = ::poll(p, nfds_t(n), int(std::min<int64_t>(left.count(), 1000)));
    if (rc < 0 && errno != EINTR)
      break;
    for (int j = 0; j < n && rc > 0; ++j) {
      if (!(p[j].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char buf[4096];
      ssize_t got = ::read(p[j].fd, buf, sizeof buf);
      if (got > 0)
        sinks[which[j]]->append(buf, size_t(got));
      else if (got == 0 || errno != EINTR)
        detail::close_fd(fds[which[j]]);
    }
  }
  int status = 0;
  if (r.timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.exit_code = -1;
  } else {
    // Output closed; the exit itself may take a moment longer.
    pid_t w = 0;
    while ((w = ::waitpid(pid, &status, WNOHANG)) == 0 && sclock::now() < until)
      ::usleep(2000);
    if (w == 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.exit_code = -1;
    } else {
      r.exit_code = detail::decode_status(status);
    }
  }
  detail::close_fd(fds[0]);
  detail::close_fd(fds[1]);
  r.seconds = std::chrono::duration<double>(sclock::now() - t0).count();
  return r;
}

// The lines of `text`, without the newlines; a last line without one counts too.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// A temporary directory, removed (with its files) at the end.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/mtproto-ping-test-XXXXXX";
    if (!::mkdtemp(tmpl))
      throw std::runtime_error(std::string("mkdtemp(): ") + std::strerror(errno));
    path_ = tmpl;
  }
  ~temp_dir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    int ignored = std::system(cmd.c_str());
    (void)ignored;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// A TCP port on 127.0.0.1 where nobody listens: the socket stays bound (so no
// one else gets the port meanwhile) but never listens, so connects are refused.
class refused_port {
public:
  refused_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
        || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error(std::string("refused_port: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
  }
  ~refused_port() { detail::close_fd(fd_); }
  refused_port(const refused_port&) = delete;
  refused_port& operator=(const refused_port&) = delete;
  uint16_t port() const { return port_; }

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// The mtproto-test-dc program serving DC 2 on a free loopback port.
class test_dc_process {
public:
  test_dc_process(const std::string& exe, const std::string& dir,
                  std::vector<std::string> extra = {},
                  std::chrono::milliseconds startup = std::chrono::seconds(30)) {
    key_path_ = dir + "/dc.pem";
    std::vector<std::string> argv{exe, "--listen", "2=127.0.0.1:0", "--rsa-key", key_path_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = detail::spawn(argv, &out_fd_, nullptr);
    // Wait for "listening dc=2 127.0.0.1:PORT fingerprint=HEX".
    const auto until = sclock::now() + startup;
    std::string got;
    while (got.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - sclock::now());
      if (left.count() <= 0)
        fail("no 'listening' line within the startup time; got '" + got + "'");
      pollfd p{out_fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, int(left.count()));
      if (rc <= 0)
        continue;
      char buf[256];
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0)
        fail("exited before listening; got '" + got + "'");
      got.append(buf, size_t(n));
    }
    line_ = got.substr(0, got.find('\n'));
    const std::string prefix = "listening dc=2 127.0.0.1:";
    auto fp = line_.find(" fingerprint=");
    if (line_.rfind(prefix, 0) != 0 || fp == std::string::npos)
      fail("unexpected first line '" + line_ + "'");
    port_ = uint16_t(std::stoul(line_.substr(prefix.size(), fp - prefix.size())));
    fingerprint_ = line_.substr(fp + 13);
  }
  ~test_dc_process() { stop(); }
  test_dc_process(const test_dc_process&) = delete;
  test_dc_process& operator=(const test_dc_process&) = delete;

  uint16_t port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& fingerprint() const { return fingerprint_; }  // hex as printed
  std::string public_key_path() const { return key_path_.substr(0, key_path_.size() - 4) + ".pub.pem"; }
  const std::string& private_key_path() const { return key_path_; }
  const std::string& listening_line() const { return line_; }

  // SIGTERM, then SIGKILL if it has not gone within 5 s.
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      const auto until = sclock::now() + std::chrono::seconds(5);
      pid_t w = 0;
      while ((w = ::waitpid(pid_, &status, WNOHANG)) == 0 && sclock::now() < until)
        ::usleep(5000);
      if (w == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
    detail::close_fd(out_fd_);
  }

private:
  [[noreturn]] void fail(const std::string& why) {
    stop();
    throw std::runtime_error("mtproto-test-dc: " + why);
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
  std::string key_path_, fingerprint_, line_;
};

} // namespace tools_test
