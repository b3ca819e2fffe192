// What a test registers to answer an RPC the test server does not know (or to
// override a built-in one), keyed by the query's constructor id.
//
//   srv.on(0x1fb33026, [](const test_dc::rpc_call& call) {
//     if (call.call_number == 1) return test_dc::rpc_reply::error(420, "FLOOD_WAIT_3");
//     return test_dc::rpc_reply::result(my_answer_bytes);
//   });
//
// A handler runs on the DC's event-loop thread: keep it quick (ask for a
// delay instead of sleeping). It may call the server's API for its own DC
// (push_update(body, call.dc_id, ...), counters(call.dc_id)); touching other
// DCs from a handler can deadlock when their handlers do the same.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace mtsender::test_dc {

struct rpc_call {
  int32_t dc_id = 0;
  uint64_t auth_key_id = 0;     // the permanent key (for a bound temporary key, the one it is bound to)
  int64_t session_id = 0;
  int64_t msg_id = 0;           // the message that carried the query
  uint32_t constructor_id = 0;  // of the query, wrappers removed
  // The query, invokeWithLayer / initConnection / invokeAfterMsg removed
  // (valid during the call only).
  byte_view query;
  int32_t layer = 0;            // from invokeWithLayer, 0 if absent
  bool init_connection = false; // initConnection was among the wrappers
  bool without_updates = false; // invokeWithoutUpdates was among the wrappers
  // initConnection's fields when it was among the wrappers (valid during the call).
  const tl::init_connection_params* init = nullptr;
  uint64_t call_number = 0;     // 1 for the first call of this constructor id (per server)
};

struct rpc_reply {
  enum class kind : uint8_t { result, error, none };

  kind type = kind::none;
  byte_buffer body;             // kind::result: the serialized answer (boxed TL)
  int32_t error_code = 0;       // kind::error: e.g. 420
  std::string error_message;    // kind::error: e.g. "FLOOD_WAIT_3"
  // Answer this long after the query arrived (the loop keeps running).
  std::chrono::milliseconds delay{0};

  static rpc_reply result(byte_buffer answer) {
    rpc_reply r;
    r.type = kind::result;
    r.body = std::move(answer);
    return r;
  }
  // The result of the generated API function F (mtsender/api/...), written
  // as the schema says.
  template <class F>
  static rpc_reply result_of(const typename F::result_type& answer) {
    byte_buffer out;
    tl::writer w{out};
    F::write_result(w, answer);
    return result(std::move(out));
  }
  static rpc_reply error(int32_t code, std::string message) {
    rpc_reply r;
    r.type = kind::error;
    r.error_code = code;
    r.error_message = std::move(message);
    return r;
  }
  // The query is acknowledged but never answered.
  static rpc_reply no_answer() { return rpc_reply{}; }

  rpc_reply after(std::chrono::milliseconds d) && {
    delay = d;
    return std::move(*this);
  }
};

using rpc_handler = std::function<rpc_reply(const rpc_call&)>;

} // namespace mtsender::test_dc
