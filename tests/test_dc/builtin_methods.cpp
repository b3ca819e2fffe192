#include "mtsender/tests/test_dc/builtin_methods.hpp"

#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

namespace mtsender::test_dc {

namespace {

rpc_reply nearest_dc(const rpc_call& call, const std::string& country) {
  tl::reader r{call.query};
  r.skip(4);
  r.expect_end("help.getNearestDc");
  byte_buffer out;
  tl::writer w{out};
  w.write_uint32(nearest_dc_id);
  w.write_string(country);
  w.write_int32(call.dc_id);
  w.write_int32(call.dc_id);
  return rpc_reply::result(std::move(out));
}

rpc_reply save_file_part(const rpc_call& call) {
  tl::reader r{call.query};
  r.skip(4);
  r.read_int64("file_id");
  const int32_t part = r.read_int32("file_part");
  const auto bytes = r.read_bytes("bytes");
  r.expect_end("upload.saveFilePart");
  if (part < 0)
    return rpc_reply::error(400, "FILE_PART_INVALID");
  if (bytes.size() > max_file_part_size)
    return rpc_reply::error(400, "FILE_PART_SIZE_INVALID");
  byte_buffer out;
  tl::writer w{out};
  w.write_bool(true);
  return rpc_reply::result(std::move(out));
}

rpc_reply get_file(const rpc_call& call) {
  // constructor, flags, at least a location constructor, offset, limit
  if (call.query.size() < 4 + 4 + 4 + 12)
    return rpc_reply::error(400, "INPUT_FETCH_ERROR");
  const uint8_t* tail = call.query.data() + call.query.size() - 12;
  const int64_t offset = int64_t(load_le64(tail));
  const int32_t limit = int32_t(load_le32(tail + 8));
  if (offset < 0)
    return rpc_reply::error(400, "OFFSET_INVALID");
  if (limit <= 0 || limit > max_get_file_limit)
    return rpc_reply::error(400, "LIMIT_INVALID");
  byte_buffer out;
  out.reserve(size_t(limit) + 32);
  tl::writer w{out};
  w.write_uint32(upload_file_id);
  w.write_uint32(storage_file_unknown_id);
  w.write_int32(0);   // mtime
  // TL bytes written by hand to fill the content in place.
  const size_t n = size_t(limit);
  const size_t head = n < 254 ? 1 : 4;
  const size_t at = w.reserve_slot(tl::bytes_wire_size(n));
  uint8_t* p = out.data() + at;
  if (head == 1) {
    p[0] = uint8_t(n);
  } else {
    p[0] = 0xfe;
    p[1] = uint8_t(n);
    p[2] = uint8_t(n >> 8);
    p[3] = uint8_t(n >> 16);
  }
  for (size_t i = 0; i < n; ++i)
    p[head + i] = file_byte(uint64_t(offset) + i);
  for (size_t i = head + n; i < tl::bytes_wire_size(n); ++i)
    p[i] = 0;
  return rpc_reply::result(std::move(out));
}

} // namespace

std::optional<rpc_reply> builtin_answer(const rpc_call& call, const std::string& country,
                                        bool& is_file) {
  is_file = false;
  switch (call.constructor_id) {
    case help_get_nearest_dc_id:
      return nearest_dc(call, country);
    case upload_save_file_part_id:
      return save_file_part(call);
    case upload_get_file_id:
      is_file = true;
      return get_file(call);
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
