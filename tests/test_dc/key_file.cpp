#include "mtsender/tests/test_dc/key_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace mtsender::test_dc {

namespace {

void write_file(const std::string& path, const std::string& text, mode_t mode, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0)
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const int e = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(e));
    }
    done += size_t(n);
  }
  ::close(fd);
}

} // namespace

std::string public_key_path(const std::string& private_path) {
  const std::string ext = ".pem";
  if (private_path.size() > ext.size()
      && private_path.compare(private_path.size() - ext.size(), ext.size(), ext) == 0)
    return private_path.substr(0, private_path.size() - ext.size()) + ".pub.pem";
  return private_path + ".pub.pem";
}

loaded_key load_or_create_key(const std::string& path) {
  if (path.empty())
    throw std::runtime_error("empty --rsa-key path");
  loaded_key out;
  out.public_path = public_key_path(path);
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    try {
      out.key = std::make_shared<const crypto::rsa_private_key>(
        crypto::rsa_private_key::from_pem_file(path));
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot use RSA key " + path + ": " + e.what());
    }
  } else if (errno == ENOENT) {
    auto key = crypto::rsa_private_key::generate(2048);
    write_file(path, key.to_pem(), 0600, true);
    out.key = std::make_shared<const crypto::rsa_private_key>(std::move(key));
    out.created = true;
  } else {
    throw std::runtime_error("cannot read RSA key " + path + ": " + std::strerror(errno));
  }
  write_file(out.public_path, out.key->public_key().to_pem(), 0644, false);
  return out;
}

} // namespace mtsender::test_dc
