#include "mtsender/tests/test_dc/builtin_methods.hpp"

#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstring>
#include <ctime>
#include <vector>

namespace mtsender::test_dc {

namespace {

// file_byte(p) for p in [0, period + max limit): any answer is one memcpy.
const uint8_t* file_pattern() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(file_pattern_period + size_t(max_get_file_limit));
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = file_byte(i);
    return t;
  }();
  return table.data();
}

rpc_reply get_config(const rpc_call& call, const builtin_context& ctx) {
  tl::reader r{call.query};
  r.skip(4);
  r.expect_end("help.getConfig");
  const int32_t now = int32_t(::time(nullptr));
  byte_buffer out;
  tl::writer w{out};
  w.write_uint32(config_id);
  w.write_uint32(0);           // flags: no optional field
  w.write_int32(now);          // date
  w.write_int32(now + 3600);   // expires
  w.write_bool(false);         // test_mode
  w.write_int32(call.dc_id);   // this_dc
  w.write_vector_header(uint32_t(ctx.dcs.size()));
  for (auto& d : ctx.dcs) {
    w.write_uint32(dc_option_id);
    w.write_uint32(d.host.find(':') != std::string::npos ? 1u : 0u);   // flags.0: ipv6
    w.write_int32(d.id);
    w.write_string(d.host);
    w.write_int32(d.port);
  }
  w.write_string("");          // dc_txt_domain_name
  // chat_size_max .. channels_read_media_period, values like Telegram's.
  for (int32_t v : {200, 200000, 100, 210000, 5000, 30000, 300000, 30000, 1500, 60000, 2,
                    172800, 2147483647, 2147483647, 2419200, 200, 604800})
    w.write_int32(v);
  for (int32_t v : {20000, 90000, 30000, 10000})   // call_*_ms
    w.write_int32(v);
  w.write_string("https://t.me/");   // me_url_prefix
  w.write_int32(1024);               // caption_length_max
  w.write_int32(4096);               // message_length_max
  w.write_int32(call.dc_id);         // webfile_dc_id
  return rpc_reply::result(std::move(out));
}

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

rpc_reply get_file(const rpc_call& call, bool lenient) {
  // constructor, flags, at least a location constructor, offset, limit
  if (call.query.size() < 4 + 4 + 4 + 12)
    return rpc_reply::error(400, "INPUT_FETCH_ERROR");
  const bool precise = load_le32(call.query.data() + 4) & 1;
  const uint8_t* tail = call.query.data() + call.query.size() - 12;
  const int64_t offset = int64_t(load_le64(tail));
  const int32_t limit = int32_t(load_le32(tail + 8));
  if (offset < 0)
    return rpc_reply::error(400, "OFFSET_INVALID");
  if (limit <= 0 || limit > max_get_file_limit)
    return rpc_reply::error(400, "LIMIT_INVALID");
  if (!lenient) {
    constexpr int64_t mib = 1 << 20;
    const int64_t align = precise ? 1024 : 4096;
    if (offset % align != 0)
      return rpc_reply::error(400, "OFFSET_INVALID");
    if (limit % align != 0 || (!precise && mib % limit != 0))
      return rpc_reply::error(400, "LIMIT_INVALID");
    if (offset / mib != (offset + limit - 1) / mib)
      return rpc_reply::error(400, "LIMIT_INVALID");   // crosses a 1 MiB boundary
  }
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
  std::memcpy(p + head, file_pattern() + uint64_t(offset) % file_pattern_period, n);
  for (size_t i = head + n; i < tl::bytes_wire_size(n); ++i)
    p[i] = 0;
  return rpc_reply::result(std::move(out));
}

} // namespace

std::optional<rpc_reply> builtin_answer(const rpc_call& call, const builtin_context& ctx,
                                        bool& is_file) {
  is_file = false;
  switch (call.constructor_id) {
    case help_get_config_id:
      return get_config(call, ctx);
    case help_get_nearest_dc_id:
      return nearest_dc(call, ctx.country);
    case upload_save_file_part_id:
      return save_file_part(call);
    case upload_get_file_id:
      is_file = true;
      return get_file(call, ctx.lenient_files);
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
