#include "mtsender/store/file_session_store.hpp"

#include "mtsender/store/session_format.hpp"
#include "mtsender/store/store_error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mtsender::store {
namespace {

[[noreturn]] void fail_io(const std::string& what, const std::string& path, int err) {
  throw store_error(store_errc::io_failed, what + " " + path + ": " + std::strerror(err));
}

// Closes the descriptor (and removes a temp file) unless released.
struct fd_guard {
  int fd = -1;
  std::string unlink_path;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
    if (!unlink_path.empty())
      ::unlink(unlink_path.c_str());
  }
};

std::string folder_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

session_data file_session_store::load() {
  fd_guard g;
  g.fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (g.fd < 0) {
    if (errno == ENOENT)
      return {};
    fail_io("cannot open", path_, errno);
  }
  struct stat st {};
  if (::fstat(g.fd, &st) != 0)
    fail_io("cannot stat", path_, errno);
  // The format caps entries; a session file of megabytes is not ours.
  if (st.st_size > (16 << 20))
    throw store_error(store_errc::malformed,
                      path_ + " has " + std::to_string(st.st_size) + " bytes, too large");
  byte_buffer bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    auto n = ::read(g.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      fail_io("cannot read", path_, errno);
    }
    if (n == 0)
      break;
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  try {
    return decode_session_file(bytes);
  } catch (const store_error& e) {
    throw store_error(e.code(), path_ + ": " + e.what());
  }
}

void file_session_store::save(const session_data& data) {
  const auto bytes = encode_session_file(data);
  std::string tmpl = path_ + ".tmp.XXXXXX";
  fd_guard g;
  g.fd = ::mkstemp(tmpl.data());
  if (g.fd < 0)
    fail_io("cannot create a temporary file next to", path_, errno);
  g.unlink_path = tmpl;
  if (::fchmod(g.fd, 0600) != 0)
    fail_io("cannot chmod", tmpl, errno);
  size_t put = 0;
  while (put < bytes.size()) {
    auto n = ::write(g.fd, bytes.data() + put, bytes.size() - put);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      fail_io("cannot write", tmpl, errno);
    }
    put += static_cast<size_t>(n);
  }
  if (::fsync(g.fd) != 0)
    fail_io("cannot fsync", tmpl, errno);
  int fd = g.fd;
  g.fd = -1;
  if (::close(fd) != 0)
    fail_io("cannot close", tmpl, errno);
  if (::rename(tmpl.c_str(), path_.c_str()) != 0)
    fail_io("cannot rename the temporary file to", path_, errno);
  g.unlink_path.clear();
  // The rename itself must survive a crash too.
  int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

} // namespace mtsender::store
