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
// Local only: the pool and its connections live in one actor system, so this
// message never crosses CAF nodes and is not registered for serialization.
#pragma once

#include "mtsender/messages/rpc.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>

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

} // namespace mtsender

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mtsender::pooled_request)
