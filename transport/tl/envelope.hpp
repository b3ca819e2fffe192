// The hand-coded MTProto envelopes: rpc_result, msg_container, msg_copy.
//
// These wrap other messages, so the schema cannot describe them as ordinary
// constructors. Reading gives views into the input (no copies): keep the
// decrypted plaintext alive while the views are used.
//
//   // receive
//   switch (tl::peek_constructor(body)) {
//     case tl::msg_container_id:
//       for (auto& m : tl::read_msg_container(body)) handle(m.msg_id, m.seqno, m.body);
//       break;
//     case tl::rpc_result_id: {
//       auto res = tl::read_rpc_result(body);   // res.result: answer, rpc_error or gzip_packed
//       ...
//   // send
//   tl::container_writer c{out};
//   c.add(msg_id1, seqno1, body1);
//   c.add(msg_id2, seqno2, body2);
//   c.finish();
//
// Violations throw tl::decode_error: a container item whose `bytes` runs past
// the end, is not a multiple of 4 or is below 4 (bad_length), more than 1020
// items (bad_length), a nested container or msg_copy (bad_constructor).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>
#include <vector>

namespace mtsender::tl {

inline constexpr uint32_t rpc_result_id = 0xf35c6d01;
inline constexpr uint32_t msg_container_id = 0x73f1f8dc;
inline constexpr uint32_t msg_copy_id = 0xe06046b2;

// Most messages a container may hold (MTProto's limit).
inline constexpr size_t max_container_items = 1020;
// Bytes of one container item's header: msg_id:long seqno:int bytes:int.
inline constexpr size_t container_item_header_size = 16;

// The constructor id a body starts with; throws truncated if it is shorter
// than 4 bytes.
uint32_t peek_constructor(byte_view body);

// ------------------------------------------------------------------ rpc_result

// rpc_result#f35c6d01 req_msg_id:long result:Object. `result` is the rest of
// the body, unparsed: the answer, an rpc_error or a gzip_packed of either.
struct rpc_result_view {
  int64_t req_msg_id = 0;
  byte_view result;
};

// Reads a whole boxed rpc_result body. Throws truncated if fewer than 4 bytes
// of result follow the req_msg_id (every answer has at least a constructor).
rpc_result_view read_rpc_result(byte_view body);

void write_rpc_result(writer& w, int64_t req_msg_id, byte_view result);

// --------------------------------------------------------------- msg_container

// One `message msg_id:long seqno:int bytes:int body:Object` of a container;
// `body` points into the container's input.
struct container_item {
  int64_t msg_id = 0;
  int32_t seqno = 0;
  byte_view body;
};

// Reads a whole boxed msg_container body (it must end exactly after the last
// item). Validates each item as described at the top of this file.
std::vector<container_item> read_msg_container(byte_view body);

// The same, into `out` (cleared first, its capacity kept): for a reader of
// many containers, which then allocates once instead of once a container.
// On an error `out` holds the items read before it.
void read_msg_container(byte_view body, std::vector<container_item>& out);

// The same, reading from `r` (positioned at the constructor id) and leaving
// it after the last item; for a container that is not the whole input.
std::vector<container_item> read_msg_container(reader& r);

// Writes a boxed container of `items` at once. Throws std::length_error for
// more than 1020 items or a body whose size is not a multiple of 4.
void write_msg_container(writer& w, const std::vector<container_item>& items);

// Builds a container item by item without knowing the count up front: the
// count is patched in by finish(). add() throws std::length_error when the
// container is full or the body size is not a multiple of 4.
class container_writer {
public:
  explicit container_writer(byte_buffer& out);

  void add(int64_t msg_id, int32_t seqno, byte_view body);
  size_t count() const noexcept { return count_; }
  bool full() const noexcept { return count_ >= max_container_items; }
  // Bytes written so far (constructor, count and items).
  size_t size() const noexcept { return out_.size() - start_; }
  // Patches the count in; the container is complete after this.
  void finish();

private:
  byte_buffer& out_;
  size_t start_;
  size_t count_ = 0;
};

// Wire size of a container holding items with these body sizes.
constexpr size_t container_wire_size(size_t items, size_t total_body_bytes) noexcept {
  return 8 + items * container_item_header_size + total_body_bytes;
}

// -------------------------------------------------------------------- msg_copy

// msg_copy#e06046b2 is not supported (servers never send it; TDLib rejects
// it too): throws bad_constructor "msg_copy#e06046b2 is not supported" when
// `body` starts with it, does nothing otherwise.
void reject_msg_copy(byte_view body);

} // namespace mtsender::tl
