// An error the server answered an RPC with (rpc_error#2144ca19), parsed.
//
// Telegram packs a number into many error messages; callers need it without
// parsing strings:
//   FLOOD_WAIT_30        -> name "FLOOD_WAIT", value 30
//   INTERDC_2_CALL_ERROR -> name "INTERDC_CALL_ERROR", value 2
//   PHONE_MIGRATE_2      -> name "PHONE_MIGRATE", value 2 (code 303: use DC 2)
//   CHAT_INVALID         -> name "CHAT_INVALID", no value
//
//   auto e = rpc_error::parse(420, "FLOOD_WAIT_30");
//   if (auto s = e.flood_wait_seconds()) wait(*s);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mtsender {

struct rpc_error {
  int32_t code = 0;         // 303, 400, 401, 403, 406, 420, 500, -503, ...
  std::string message;      // as sent, e.g. "FLOOD_WAIT_30"
  std::string name;         // the message without its number, e.g. "FLOOD_WAIT"
  bool has_value = false;
  int32_t value = 0;        // the number inside the message, when has_value

  static rpc_error parse(int32_t code, std::string message);

  // Seconds to wait for FLOOD_WAIT_X, SLOWMODE_WAIT_X, FLOOD_PREMIUM_WAIT_X,
  // FLOOD_TEST_PHONE_WAIT_X (and code 420 errors with a value).
  std::optional<int32_t> flood_wait_seconds() const;
  // The DC named by *_MIGRATE_X (code 303).
  std::optional<int32_t> migrate_dc() const;
  // 500, -500, -503 and the names Telegram uses for internal trouble
  // (RPC_CALL_FAIL, WORKER_BUSY..., *_TIMEOUT ...): worth retrying later.
  bool is_internal() const;
};

inline bool operator==(const rpc_error& a, const rpc_error& b) {
  return a.code == b.code && a.message == b.message;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rpc_error& x) {
  return f(x.code, x.message, x.name, x.has_value, x.value);
}

} // namespace mtsender
