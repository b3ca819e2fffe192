#include "mtsender/actors/file_io.hpp"

#include "mtsender/messages/file_transfer.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mtsender {
namespace {

struct fd_state {
  int fd = -1;
  std::string path;
  std::string open_error;
  ~fd_state() {
    if (fd >= 0)
      ::close(fd);
  }
};

std::string io_error(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

caf::behavior file_reader(caf::stateful_actor<fd_state>* self, std::string path) {
  self->state.path = path;
  self->state.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (self->state.fd < 0)
    self->state.open_error = io_error("cannot open", path, errno);
  return {
    [=](caf::get_atom) -> caf::result<int64_t> {
      auto& st = self->state;
      if (st.fd < 0)
        return make_error(file_transfer_errc::io_failed, st.open_error);
      struct stat sb {};
      if (::fstat(st.fd, &sb) != 0)
        return make_error(file_transfer_errc::io_failed, io_error("cannot stat", st.path, errno));
      return int64_t(sb.st_size);
    },
    [=](file_read_atom, int64_t offset, int32_t length) -> caf::result<byte_buffer> {
      auto& st = self->state;
      if (st.fd < 0)
        return make_error(file_transfer_errc::io_failed, st.open_error);
      byte_buffer out(size_t(length > 0 ? length : 0));
      size_t got = 0;
      while (got < out.size()) {
        ssize_t n = ::pread(st.fd, out.data() + got, out.size() - got, off_t(offset) + off_t(got));
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0)
          return make_error(file_transfer_errc::io_failed, io_error("cannot read", st.path, errno));
        if (n == 0)
          return make_error(file_transfer_errc::io_failed,
                            "file " + st.path + " ended at " + std::to_string(offset + int64_t(got))
                              + " while reading up to " + std::to_string(offset + length)
                              + " (changed during the upload?)");
        got += size_t(n);
      }
      return out;
    },
  };
}

caf::behavior file_writer(caf::stateful_actor<fd_state>* self, std::string path, bool truncate) {
  self->state.path = path;
  self->state.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0),
                          0644);
  if (self->state.fd < 0)
    self->state.open_error = io_error("cannot open", path, errno);
  return {
    [=](file_write_atom, int64_t offset, const byte_buffer& bytes) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      if (st.fd < 0)
        return make_error(file_transfer_errc::io_failed, st.open_error);
      size_t done = 0;
      while (done < bytes.size()) {
        ssize_t n = ::pwrite(st.fd, bytes.data() + done, bytes.size() - done,
                             off_t(offset) + off_t(done));
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          return make_error(file_transfer_errc::io_failed, io_error("cannot write", st.path, errno));
        done += size_t(n);
      }
      return caf::ok_atom::value;
    },
  };
}

} // namespace

caf::actor spawn_file_reader(caf::actor_system& sys, std::string path) {
  return sys.spawn<caf::detached>(file_reader, std::move(path));
}

caf::actor spawn_file_writer(caf::actor_system& sys, std::string path, bool truncate) {
  return sys.spawn<caf::detached>(file_writer, std::move(path), truncate);
}

} // namespace mtsender
