// A session_store kept in one file, replaced atomically on every save: the
// bytes go to a temporary file in the same folder (mode 0600), which is
// fsync'ed and renamed over the old one, then the folder is fsync'ed. A crash
// leaves either the old file or the new one, never half of one; a file that
// is corrupt or truncated anyway is refused (store_error), never half-read.
//
//   store::file_session_store st{"tg.session"};
//   auto data = st.load();      // empty when the file does not exist yet
//   data.set_key(...); st.save(data);
#pragma once

#include "mtsender/store/session_store.hpp"

#include <string>

namespace mtsender::store {

class file_session_store final : public session_store {
public:
  explicit file_session_store(std::string path) : path_(std::move(path)) {}

  session_data load() override;
  void save(const session_data& data) override;

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace mtsender::store
