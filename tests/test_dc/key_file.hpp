// The server's RSA key on disk: loaded if the file exists, otherwise a new
// 2048-bit key is generated and written there (mode 0600). The public key is
// (re)written next to it as <name>.pub.pem (PKCS#1), for clients to trust.
#pragma once

#include "mtsender/transport/crypto/rsa.hpp"

#include <memory>
#include <string>

namespace mtsender::test_dc {

struct loaded_key {
  std::shared_ptr<const crypto::rsa_private_key> key;
  std::string public_path;
  bool created = false;
};

// "dir/key.pem" -> "dir/key.pub.pem"; other names get ".pub.pem" appended.
std::string public_key_path(const std::string& private_path);

// Throws std::runtime_error with a one-line reason (unreadable, not a key,
// cannot write).
loaded_key load_or_create_key(const std::string& path);

} // namespace mtsender::test_dc
