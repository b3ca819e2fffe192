#include "mtsender/transport/tl/envelope.hpp"

#include "mtsender/transport/hex.hpp"

#include <stdexcept>
#include <string>

namespace mtsender::tl {

uint32_t peek_constructor(byte_view body) {
  return reader{body}.peek_uint32("constructor id");
}

// ------------------------------------------------------------------ rpc_result

rpc_result_view read_rpc_result(byte_view body) {
  reader r{body};
  r.expect_id(rpc_result_id, "rpc_result");
  rpc_result_view out;
  out.req_msg_id = r.read_int64("rpc_result.req_msg_id");
  // Every answer starts with a constructor id; fewer than 4 bytes cannot be one.
  r.peek_uint32("rpc_result.result constructor");
  out.result = r.rest();
  return out;
}

void write_rpc_result(writer& w, int64_t req_msg_id, byte_view result) {
  w.write_uint32(rpc_result_id);
  w.write_int64(req_msg_id);
  w.write_raw(result);
}

// --------------------------------------------------------------- msg_container

void reject_msg_copy(byte_view body) {
  if (body.size() >= 4 && load_le32(body.data()) == msg_copy_id)
    throw decode_error(decode_errc::bad_constructor, 0,
                       "msg_copy#e06046b2 is not supported");
}

namespace {

void read_container_items(reader& r, std::vector<container_item>& items) {
  items.clear();
  r.expect_id(msg_container_id, "msg_container");
  const auto count_at = r.position();
  const auto n = r.read_uint32("msg_container count");
  if (n > max_container_items)
    throw decode_error(decode_errc::bad_length, count_at,
                       "msg_container count " + std::to_string(n) + " over the limit of "
                         + std::to_string(max_container_items));
  // Each item needs at least its header and a 4-byte constructor.
  if (n > r.remaining() / (container_item_header_size + 4))
    throw decode_error(decode_errc::bad_length, count_at,
                       "msg_container claims " + std::to_string(n) + " messages but only "
                         + std::to_string(r.remaining()) + " bytes are left");
  items.reserve(n);
  // Built only on the error paths: the happy path stays allocation-free.
  auto idx = [](uint32_t i) { return "msg_container message " + std::to_string(i); };
  for (uint32_t i = 0; i < n; ++i) {
    container_item it;
    it.msg_id = r.read_int64("msg_container message msg_id");
    it.seqno = r.read_int32("msg_container message seqno");
    const auto len_at = r.position();
    const auto len = r.read_int32("msg_container message bytes");
    if (len < 4 || len % 4 != 0)
      throw decode_error(decode_errc::bad_length, len_at,
                         idx(i) + " bytes " + std::to_string(len)
                           + " is not a positive multiple of 4");
    if (size_t(len) > r.remaining())
      throw decode_error(decode_errc::bad_length, len_at,
                         idx(i) + " bytes " + std::to_string(len) + " runs past the end ("
                           + std::to_string(r.remaining()) + " bytes left)");
    const auto body_at = r.position();
    it.body = r.read_raw(size_t(len), "msg_container message body");
    const auto cid = load_le32(it.body.data());
    if (cid == msg_container_id)
      throw decode_error(decode_errc::bad_constructor, body_at,
                         idx(i) + " is a nested msg_container");
    if (cid == msg_copy_id)
      throw decode_error(decode_errc::bad_constructor, body_at,
                         idx(i) + ": msg_copy#e06046b2 is not supported");
    items.push_back(it);
  }
}

} // namespace

std::vector<container_item> read_msg_container(reader& r) {
  std::vector<container_item> items;
  read_container_items(r, items);
  return items;
}

void read_msg_container(byte_view body, std::vector<container_item>& out) {
  reject_msg_copy(body);
  reader r{body};
  read_container_items(r, out);
  r.expect_end("msg_container");
}

std::vector<container_item> read_msg_container(byte_view body) {
  std::vector<container_item> items;
  read_msg_container(body, items);
  return items;
}

namespace {

void check_item(size_t count, byte_view body) {
  if (count >= max_container_items)
    throw std::length_error("msg_container: more than "
                            + std::to_string(max_container_items) + " messages");
  if (body.size() < 4 || body.size() % 4 != 0 || body.size() > 0x7fffffff)
    throw std::length_error("msg_container: message body of "
                            + std::to_string(body.size())
                            + " bytes is not a positive multiple of 4");
}

void write_item(writer& w, int64_t msg_id, int32_t seqno, byte_view body) {
  w.write_int64(msg_id);
  w.write_int32(seqno);
  w.write_int32(int32_t(body.size()));
  w.write_raw(body);
}

} // namespace

void write_msg_container(writer& w, const std::vector<container_item>& items) {
  for (size_t i = 0; i < items.size(); ++i)
    check_item(i, items[i].body);
  w.write_uint32(msg_container_id);
  w.write_uint32(uint32_t(items.size()));
  for (auto& it : items)
    write_item(w, it.msg_id, it.seqno, it.body);
}

container_writer::container_writer(byte_buffer& out) : out_(out), start_(out.size()) {
  writer w{out_};
  w.write_uint32(msg_container_id);
  w.write_uint32(0);
}

void container_writer::add(int64_t msg_id, int32_t seqno, byte_view body) {
  check_item(count_, body);
  writer w{out_};
  write_item(w, msg_id, seqno, body);
  ++count_;
}

void container_writer::finish() {
  store_le32(out_.data() + start_ + 4, uint32_t(count_));
}

} // namespace mtsender::tl
