// A request as the DC pool hands it to one of its connections.
//
// The body is shared, never copied: the pool keeps its reference so it can
// send the request again (a retry after FLOOD_WAIT, a connection lost before
// the server got it) without having kept a copy. A request lost with an
// earlier connection of the same MTProto session names that attempt
// (lost_session_id, lost_msg_id): the next connection of the session takes it
// over under its old msg_id and asks the server with msgs_state_req whether
// it arrived, sending it again only if it never did.
//
// The pool sends them in batches (pooled_batch): the requests it routes in
// one pass over its mailbox go to a connection as one message, and the
// connection answers in batches too (pooled_replies): every answer one read
// of the socket produced goes back as one message. Per request that saves a
// CAF request/response pair (two mailbox elements and a response handler)
// between two actors that run on the same I/O thread anyway. Each item
// carries the pool's invocation id and attempt, which is how the pool
// matches an answer; the pool learns that a connection ended from its down
// message, and sends again what that connection never answered.
//
// Local only: the pool and its connections live in one actor system, so these
// messages never cross CAF nodes and are not registered for serialization.
#pragma once

#include "mtsender/messages/rpc.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <caf/error.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace mtsender {

struct pooled_request {
  std::shared_ptr<const byte_buffer> body;  // one serialized TL function
  rpc_options options;
  int64_t lost_session_id = 0;  // with lost_msg_id: the attempt a dead connection lost
  int64_t lost_msg_id = 0;
  // Not on the DC's update connection: goes out inside invokeWithoutUpdates
  // (the pool keeps one update stream per DC, actors/pool_updates_role.cpp).
  bool without_updates = false;
};

struct pooled_item {
  uint64_t id = 0;       // the pool's invocation
  uint64_t attempt = 0;  // ... and which of its attempts
  pooled_request req;
};

struct pooled_batch {
  std::vector<pooled_item> items;
};

struct pooled_reply {
  uint64_t id = 0;
  uint64_t attempt = 0;
  caf::error err;         // set: the request failed, response is empty
  rpc_response response;
};

struct pooled_replies {
  std::vector<pooled_reply> items;
};

} // namespace mtsender

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mtsender::pooled_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mtsender::pooled_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mtsender::pooled_replies)
