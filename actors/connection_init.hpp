// Connection init, sans-I/O: the wrapper heads a connection writes in front
// of request bodies (never copying them), and the rule for when.
//
// A connection sends invokeWithLayer(layer, initConnection(...)) around the
// first API request of each new MTProto session it carries: the first one
// after it starts, and the first one after the server reports a new session
// that began after the init went out (new_session_created: the server forgot
// the old one, and the init with it). A request the caller already wrapped
// in initConnection counts as the init. A connection that must not receive
// updates puts invokeWithoutUpdates around every request. Requests answered
// CONNECTION_NOT_INITED or CONNECTION_LAYER_INVALID are sent once more with
// the init.
#pragma once

#include "mtsender/actors/client_identity.hpp"
#include "mtsender/transport/bytes.hpp"

#include <memory>
#include <string>

namespace mtsender {

// The three heads, built once per connection.
struct init_heads {
  std::shared_ptr<const byte_buffer> init;                // layer + initConnection
  std::shared_ptr<const byte_buffer> init_without_updates;  // ... + invokeWithoutUpdates
  std::shared_ptr<const byte_buffer> without_updates;     // invokeWithoutUpdates alone

  static init_heads make(const client_identity& id);
};

// What one connection knows about its session's init.
class connection_init {
public:
  connection_init() = default;
  // `heads` null: the connection never wraps (a bare connection).
  connection_init(std::shared_ptr<const init_heads> heads, bool without_updates)
    : heads_(std::move(heads)), without_updates_(without_updates) {}

  bool enabled() const noexcept { return heads_ != nullptr; }
  bool without_updates() const noexcept { return without_updates_; }
  void set_without_updates(bool on) noexcept { without_updates_ = on; }

  // The head for a request about to be handed to the session (null: none),
  // and whether it carries the init (then `token` is remembered as the init).
  // `quiet`: this request must not subscribe the session to updates
  // (invokeWithoutUpdates), besides the connection's own setting.
  std::shared_ptr<const byte_buffer> head_for(byte_view body, uint64_t token, bool quiet = false);
  // The head for sending a request again after CONNECTION_NOT_INITED.
  std::shared_ptr<const byte_buffer> reinit_head(uint64_t token, bool quiet = false);
  // The init request's latest msg_id (0: not sent yet), after each flush.
  void on_sent(uint64_t token, uint64_t msg_id) noexcept;
  uint64_t init_token() const noexcept { return init_token_; }
  // new_session_created: was the init part of the new session?
  void on_new_session(uint64_t first_msg_id, bool init_still_queued) noexcept;
  bool sent() const noexcept { return init_sent_; }
  uint64_t inits() const noexcept { return inits_; }

  static bool needs_reinit(int32_t code, const std::string& message) noexcept;

private:
  std::shared_ptr<const init_heads> heads_;
  bool without_updates_ = false;
  bool init_sent_ = false;
  uint64_t init_token_ = 0;
  uint64_t init_msg_id_ = 0;
  uint64_t inits_ = 0;
};

} // namespace mtsender
