// The API-layer wrappers a client puts around a query: invokeWithLayer,
// initConnection, invokeAfterMsg(s), invokeWithoutUpdates and the other
// invokeWith* prefixes (messages range, takeout, business connection, Play
// Integrity, APNS secret, reCAPTCHA).
//
// A client sends its first query as invokeWithLayer(layer, initConnection(...,
// query)) and may order one query after another with invokeAfterMsg. The
// writers wrap an already-serialized query (a byte_view) without re-encoding
// it; unwrap_query() peels the wrappers off again, in any nesting, and says
// what it found (the test server uses it); inner_method_id() names the method
// underneath without throwing (the pool keys flood waits on it):
//
//   byte_buffer out; tl::writer w{out};
//   tl::write_invoke_with_layer_header(w, 181);
//   tl::write_init_connection_header(w, params);
//   w.write_raw(query);                       // or: tl::wrap_query(...)
//
//   auto u = tl::unwrap_query(body);           // u.query: the inner query (a view)
//   if (u.layer) ...; if (u.init_connection) ...; if (u.invoke_after_msg_id) ...
//
// initConnection's optional `params:flags.1?JSONValue` is handled as raw TL:
// reading skips it (depth-capped) and keeps a view, writing copies the bytes
// given. Errors are tl::decode_error.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtsender::tl {

inline constexpr uint32_t invoke_with_layer_id = 0xda9b0d0d;
inline constexpr uint32_t init_connection_id = 0xc1cd5ea9;
inline constexpr uint32_t invoke_after_msg_id = 0xcb9f372d;
inline constexpr uint32_t input_client_proxy_id = 0x75588b3f;
inline constexpr uint32_t invoke_after_msgs_id = 0x3dc4b4f0;
inline constexpr uint32_t invoke_without_updates_id = 0xbf9459b7;
inline constexpr uint32_t invoke_with_messages_range_id = 0x365275f2;
inline constexpr uint32_t invoke_with_takeout_id = 0xaca9fd2e;
inline constexpr uint32_t invoke_with_business_connection_id = 0xdd289f8e;
inline constexpr uint32_t invoke_with_google_play_integrity_id = 0x1df92984;
inline constexpr uint32_t invoke_with_apns_secret_id = 0x0dae54f8;
inline constexpr uint32_t invoke_with_recaptcha_id = 0xadbb0f94;
inline constexpr uint32_t message_range_id = 0x0ae30253;

// True for the constructor of any wrapper unwrap_query() peels off.
bool is_query_wrapper(uint32_t constructor_id) noexcept;

// inputClientProxy#75588b3f address:string port:int = InputClientProxy;
struct input_client_proxy {
  std::string address;
  int32_t port = 0;
  friend bool operator==(const input_client_proxy& a, const input_client_proxy& b) {
    return a.address == b.address && a.port == b.port;
  }
};

// The fixed fields of initConnection (everything but the query).
struct init_connection_params {
  int32_t api_id = 0;
  std::string device_model;
  std::string system_version;
  std::string app_version;
  std::string system_lang_code;
  std::string lang_pack;
  std::string lang_code;
  std::optional<input_client_proxy> proxy;   // flags.0
  // flags.1, when has_params: a serialized boxed JSONValue (reading: a view
  // into the input; writing: copied as is, the caller vouches for it).
  byte_view params;
  bool has_params = false;
};

// Each writes the wrapper's constructor and fields; the caller appends the
// wrapped query right after (a query is the tail of its wrapper).
void write_invoke_with_layer_header(writer& w, int32_t layer);
void write_init_connection_header(writer& w, const init_connection_params& p);
void write_invoke_after_msg_header(writer& w, int64_t msg_id);
void write_invoke_without_updates_header(writer& w);

// The same with the query appended.
void write_invoke_with_layer(writer& w, int32_t layer, byte_view query);
void write_init_connection(writer& w, const init_connection_params& p, byte_view query);
void write_invoke_after_msg(writer& w, int64_t msg_id, byte_view query);

// What unwrap_query() found.
struct unwrapped_query {
  byte_view query;                       // the innermost query, a view into the input
  uint32_t query_id = 0;                 // its constructor id
  std::optional<int32_t> layer;
  std::optional<init_connection_params> init_connection;
  std::optional<int64_t> invoke_after_msg_id;
  std::optional<std::vector<int64_t>> invoke_after_msg_ids;   // invokeAfterMsgs
  bool without_updates = false;          // invokeWithoutUpdates was among them
  // Every wrapper met, outermost first (including the ones above).
  std::vector<uint32_t> wrappers;
};

// Peels every wrapper (is_query_wrapper) off `body` in any order and nesting. A wrapper that appears twice, a truncated wrapper or one
// with nothing inside throws decode_error; a body with no wrapper comes back
// as is. The inner query is not parsed beyond its constructor id.
unwrapped_query unwrap_query(byte_view body);

// The constructor id of the method under every wrapper of `body`, never
// throwing: a body whose wrappers do not decode names its outermost
// constructor (0 for fewer than 4 bytes). Flood waits and retry decisions are
// about this method, not about invokeWithLayer.
uint32_t inner_method_id(byte_view body) noexcept;

} // namespace mtsender::tl
