// Server salts: the one in use plus the future salts the server announced.
//
// The salt of each outgoing message must be one the server currently
// accepts. future_salts lists upcoming salts with their validity windows; the
// store switches to the newest one valid at the current server time.
// bad_server_salt and new_session_created set the salt outright and drop the
// announced list (the server just told us it is out of date).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtsender::session {

struct salt_entry {
  int32_t valid_since = 0;  // server Unix seconds
  int32_t valid_until = 0;
  uint64_t salt = 0;

  friend bool operator==(const salt_entry& a, const salt_entry& b) noexcept {
    return a.valid_since == b.valid_since && a.valid_until == b.valid_until
           && a.salt == b.salt;
  }
};

class salt_store {
public:
  explicit salt_store(uint64_t current = 0) noexcept : current_(current) {}

  // The salt to use at server time `server_unix_s`.
  uint64_t current(int64_t server_unix_s) noexcept;
  // The salt last chosen, without looking at the time.
  uint64_t current() const noexcept { return current_; }

  void set_current(uint64_t salt);
  // Merges announced salts (kept sorted by valid_since, duplicates skipped,
  // at most 64 kept).
  void add_future(const std::vector<salt_entry>& salts);

  // Announced salts still valid at `server_unix_s` (the caller asks for more
  // when this gets low).
  size_t usable_count(int64_t server_unix_s) const noexcept;
  const std::vector<salt_entry>& future() const noexcept { return future_; }

private:
  uint64_t current_;
  std::vector<salt_entry> future_;  // sorted by valid_since
};

} // namespace mtsender::session
