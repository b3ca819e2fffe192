// The error every store/ operation throws: a session file that cannot be
// read or written, one that is corrupt or truncated, or a string session that
// is malformed. code() says which, what() names the file or field and why.
//
//   try { auto data = store.load(); }
//   catch (const store::store_error& e) { if (e.code() == store::store_errc::bad_checksum) ... }
#pragma once

#include "mtsender/transport/error.hpp"

#include <cstdint>
#include <string>

namespace mtsender::store {

enum class store_errc : uint8_t {
  io_failed = 1,         // open/read/write/fsync/rename failed (errno text in what())
  bad_magic,             // not a session file of ours
  unsupported_version,   // written by a newer format
  truncated,             // shorter than its header says
  bad_checksum,          // the bytes were changed after writing
  malformed,             // checksum fine, content impossible (a bug or a forgery)
  bad_string_session,    // a Telethon / gramjs string session that cannot be read
  invalid_argument,      // asked to save or export something unusable
};

const char* to_string(store_errc c) noexcept;

class store_error : public transport_error {
public:
  store_error(store_errc code, const std::string& what)
    : transport_error(std::string("session store: ") + to_string(code) + ": " + what),
      code_(code) {
  }
  store_errc code() const noexcept { return code_; }

private:
  store_errc code_;
};

} // namespace mtsender::store
