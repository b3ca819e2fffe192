// Which of a DC's connection classes carries a request (rpc_options::
// connection_class). Each DC has its own connections per class, on the DC's
// one auth key with a session each: `main` for API calls (and the update
// stream), `upload` and `download` for file parts, opened on demand, never
// subscribed to updates and closed when idle, so a big transfer never
// queues API calls behind its parts (pool_config caps each class).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mtsender {

enum class conn_class : uint8_t {
  main = 0,
  upload = 1,
  download = 2,
};

constexpr size_t conn_class_count = 3;

constexpr size_t index_of(conn_class c) noexcept { return static_cast<size_t>(c); }

// False for a value no build of caf-mtsender sends (it may come from another node).
constexpr bool valid(conn_class c) noexcept { return index_of(c) < conn_class_count; }

constexpr const char* to_string(conn_class c) noexcept {
  switch (c) {
    case conn_class::main: return "main";
    case conn_class::upload: return "upload";
    case conn_class::download: return "download";
  }
  return "invalid";
}

} // namespace mtsender
