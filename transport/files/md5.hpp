// Incremental MD5 for inputFile's md5_checksum (the lowercase hex digest of
// the whole file, which the server compares with what it assembled). MD5 is
// no security measure here, just Telegram's integrity check for small files.
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <memory>
#include <string>

namespace mtsender::files {

class md5 {
public:
  md5();
  ~md5();
  md5(md5&&) noexcept;
  md5& operator=(md5&&) noexcept;

  md5& update(byte_view data);
  std::string finish_hex();   // then ready for new input
  static std::string hex(byte_view data);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mtsender::files
