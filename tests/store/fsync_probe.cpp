#include "fsync_probe.hpp"

#include <cerrno>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>

namespace store_test {
namespace {

struct probe {
  std::mutex mutex;
  std::vector<fsync_call> calls;
  std::string watched;
  int failures_left = 0;
  int failure_errno = 0;
};

probe& state() {
  static probe p;
  return p;
}

} // namespace

void reset_fsync_probe(const std::string& watched_path) {
  auto& p = state();
  std::lock_guard<std::mutex> g{p.mutex};
  p.calls.clear();
  p.watched = watched_path;
  p.failures_left = 0;
}

std::vector<fsync_call> fsync_calls() {
  auto& p = state();
  std::lock_guard<std::mutex> g{p.mutex};
  return p.calls;
}

void fail_next_fsyncs(int n, int err) {
  auto& p = state();
  std::lock_guard<std::mutex> g{p.mutex};
  p.failures_left = n;
  p.failure_errno = err;
}

} // namespace store_test

// Takes the place of the C library's fsync in this binary.
extern "C" int fsync(int fd) {
  using real_fsync = int (*)(int);
  static const auto real = reinterpret_cast<real_fsync>(::dlsym(RTLD_NEXT, "fsync"));
  auto& p = store_test::state();
  store_test::fsync_call c;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    c.dev = st.st_dev;
    c.ino = st.st_ino;
    c.is_dir = S_ISDIR(st.st_mode);
  }
  std::lock_guard<std::mutex> g{p.mutex};
  struct stat at {};
  c.was_at_watched_path = !p.watched.empty() && ::stat(p.watched.c_str(), &at) == 0
                          && at.st_dev == c.dev && at.st_ino == c.ino;
  if (p.failures_left > 0) {
    --p.failures_left;
    c.result = -1;
    p.calls.push_back(c);
    errno = p.failure_errno;
    return -1;
  }
  c.result = real ? real(fd) : (errno = ENOSYS, -1);
  const int saved_errno = errno;
  p.calls.push_back(c);
  errno = saved_errno;
  return c.result;
}
