// Where the pool keeps session_data between runs. The pool loads it once when
// it starts and saves the whole value whenever a key is made or dropped.
//
//   auto st = std::make_shared<store::file_session_store>("/var/lib/app/tg.session");
//   pool_config cfg; cfg.store = st;
//
// Implementations throw store_error; load() of a store that was never saved
// returns an empty session_data. Calls come from one thread at a time: load()
// from spawn_dc_pool's caller, save() from the pool's store writer, an actor
// with a thread of its own (a slow disk never holds up the pool).
#pragma once

#include "mtsender/store/session_data.hpp"

namespace mtsender::store {

class session_store {
public:
  virtual ~session_store() = default;
  virtual session_data load() = 0;
  virtual void save(const session_data& data) = 0;
};

// Keeps the value in memory only (tests, or callers that export string
// sessions themselves).
class memory_session_store final : public session_store {
public:
  session_data load() override { return data_; }
  void save(const session_data& data) override {
    data_ = data;
    ++saves_;
  }
  size_t saves() const { return saves_; }

private:
  session_data data_;
  size_t saves_ = 0;
};

} // namespace mtsender::store
