// Query, answer and update bodies the actor tests send through the test DC,
// shared by connection_fixture.hpp and pool_fixture.hpp (each brings these
// names into its own namespace, conn_test / pool_test).
//
//   srv.on(custom_query_id, [](const test_dc::rpc_call& c) {
//     return test_dc::rpc_reply::result(bool_true());   // tag_of(c): the tag sent
//   });
//   invoke(custom_query(7)); invoke(nearest_dc_query());
#pragma once

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/rpc_handler.hpp"
#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>

namespace mtsender::actor_test {

// A constructor id and a tag: the body of custom_query and test_update.
inline byte_buffer tagged(uint32_t constructor_id, uint32_t tag) {
  byte_buffer b;
  tl::writer w{b};
  w.write_uint32(constructor_id);
  w.write_uint32(tag);
  return b;
}

// The tag of a body made by tagged().
inline uint32_t tag_in(byte_view body) {
  tl::reader r{body};
  r.read_uint32("constructor");
  return r.read_uint32("tag");
}

inline byte_buffer nearest_dc_query() { return api::to_bytes(api::help::getNearestDc{}); }

// A query the test server does not know; tests register a handler for it.
inline constexpr uint32_t custom_query_id = 0x0badc0de;
inline byte_buffer custom_query(uint32_t tag) { return tagged(custom_query_id, tag); }
inline uint32_t tag_of(const test_dc::rpc_call& call) { return tag_in(call.query); }

// boolTrue, as an answer.
inline byte_buffer bool_true() {
  byte_buffer b;
  tl::writer w{b};
  w.write_bool(true);
  return b;
}

// An update body the session passes through as-is: a constructor no schema
// knows and a tag.
inline constexpr uint32_t test_update_id = 0x7e57da7a;
inline byte_buffer test_update(uint32_t tag) { return tagged(test_update_id, tag); }
inline uint32_t update_tag(const byte_buffer& body) { return tag_in(body); }

} // namespace mtsender::actor_test
