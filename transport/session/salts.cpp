#include "mtsender/transport/session/salts.hpp"

#include <algorithm>

namespace mtsender::session {

namespace {
constexpr size_t max_future_salts = 64;
}

uint64_t salt_store::current(int64_t server_unix_s) noexcept {
  if (future_.empty())
    return current_;
  // Expired entries go; the newest entry already valid becomes current.
  size_t keep_from = 0;
  for (size_t i = 0; i < future_.size(); ++i) {
    const auto& e = future_[i];
    if (e.valid_until <= server_unix_s) {
      keep_from = i + 1;
      continue;
    }
    if (e.valid_since <= server_unix_s)
      current_ = e.salt;
  }
  if (keep_from)
    future_.erase(future_.begin(), future_.begin() + std::ptrdiff_t(keep_from));
  return current_;
}

void salt_store::set_current(uint64_t salt) {
  current_ = salt;
  future_.clear();
}

void salt_store::add_future(const std::vector<salt_entry>& salts) {
  for (const auto& s : salts) {
    if (s.valid_until <= s.valid_since)
      continue;
    if (std::find(future_.begin(), future_.end(), s) == future_.end())
      future_.push_back(s);
  }
  std::stable_sort(future_.begin(), future_.end(),
                   [](const salt_entry& a, const salt_entry& b) {
                     return a.valid_since < b.valid_since;
                   });
  if (future_.size() > max_future_salts)
    future_.erase(future_.begin(),
                  future_.begin() + std::ptrdiff_t(future_.size() - max_future_salts));
}

size_t salt_store::usable_count(int64_t server_unix_s) const noexcept {
  return size_t(std::count_if(future_.begin(), future_.end(), [&](const salt_entry& e) {
    return e.valid_until > server_unix_s;
  }));
}

} // namespace mtsender::session
