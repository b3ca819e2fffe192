#include "mtsender/tests/test_dc/builtin_methods.hpp"

#include "mtsender/api/Config.hpp"
#include "mtsender/api/DcOption.hpp"
#include "mtsender/api/NearestDc.hpp"
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/storage/FileType.hpp"
#include "mtsender/api/upload/File.hpp"
#include "mtsender/api/upload/saveFilePart.hpp"
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
  api::read_boxed<api::help::getConfig>(r, 0);
  r.expect_end("help.getConfig");
  const int32_t now = int32_t(::time(nullptr));
  api::config c;               // flags: no optional field
  c.date = now;
  c.expires = now + 3600;
  c.test_mode = false;
  c.this_dc = call.dc_id;
  for (auto& d : ctx.dcs) {
    api::dcOption o;
    o.ipv6 = d.host.find(':') != std::string::npos;
    o.id = d.id;
    o.ip_address = d.host;
    o.port = d.port;
    c.dc_options.push_back(std::move(o));
  }
  // Limits and periods like Telegram's.
  c.chat_size_max = 200;
  c.megagroup_size_max = 200000;
  c.forwarded_count_max = 100;
  c.online_update_period_ms = 210000;
  c.offline_blur_timeout_ms = 5000;
  c.offline_idle_timeout_ms = 30000;
  c.online_cloud_timeout_ms = 300000;
  c.notify_cloud_delay_ms = 30000;
  c.notify_default_delay_ms = 1500;
  c.push_chat_period_ms = 60000;
  c.push_chat_limit = 2;
  c.edit_time_limit = 172800;
  c.revoke_time_limit = 2147483647;
  c.revoke_pm_time_limit = 2147483647;
  c.rating_e_decay = 2419200;
  c.stickers_recent_limit = 200;
  c.channels_read_media_period = 604800;
  c.call_receive_timeout_ms = 20000;
  c.call_ring_timeout_ms = 90000;
  c.call_connect_timeout_ms = 30000;
  c.call_packet_timeout_ms = 10000;
  c.me_url_prefix = "https://t.me/";
  c.caption_length_max = 1024;
  c.message_length_max = 4096;
  c.webfile_dc_id = call.dc_id;
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, c);
  return rpc_reply::result(std::move(out));
}

rpc_reply nearest_dc(const rpc_call& call, const std::string& country) {
  tl::reader r{call.query};
  api::read_boxed<api::help::getNearestDc>(r, 0);
  r.expect_end("help.getNearestDc");
  api::nearestDc n;
  n.country = country;
  n.this_dc = call.dc_id;
  n.nearest_dc = call.dc_id;
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, n);
  return rpc_reply::result(std::move(out));
}

// upload.saveFilePart and upload.getFile stay hand-parsed: their bytes are
// read as a view and written in place (no copy of a 512 KiB part), which the
// generated types, owning their bytes, would add.
rpc_reply save_file_part(const rpc_call& call) {
  tl::reader r{call.query};
  r.expect_id(api::upload::saveFilePart::tl_id, "upload.saveFilePart");
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
  w.write_uint32(api::upload::file::tl_id);
  w.write_uint32(api::storage::fileUnknown::tl_id);
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
