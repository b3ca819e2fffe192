#include "mtsender/tests/test_dc/builtin_methods.hpp"

#include "mtsender/tests/test_dc/file_store.hpp"
#include "mtsender/transport/files/download_rules.hpp"
#include "mtsender/transport/files/file_tl.hpp"

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

rpc_reply get_file(const rpc_call& call, const builtin_context& ctx) {
  const auto q = files::read_get_file(call.query);
  if (q.offset < 0)
    return rpc_reply::error(400, "OFFSET_INVALID");
  if (q.limit <= 0 || q.limit > max_get_file_limit)
    return rpc_reply::error(400, "LIMIT_INVALID");
  if (!ctx.lenient_files)
    if (auto* e = files::telegram_error(files::check_get_file(q.offset, q.limit, q.precise)))
      return rpc_reply::error(400, e);
  if (ctx.files)
    if (auto r = ctx.files->get_file(call.dc_id, q))
      return std::move(*r);
  byte_buffer out;
  out.reserve(size_t(q.limit) + 32);
  tl::writer w{out};
  w.write_uint32(upload_file_id);
  w.write_uint32(storage_file_unknown_id);
  w.write_int32(0);   // mtime
  // TL bytes written by hand to fill the content in place.
  const size_t n = size_t(q.limit);
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
  std::memcpy(p + head, file_pattern() + uint64_t(q.offset) % file_pattern_period, n);
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
    case upload_get_file_id:
      is_file = true;
      return get_file(call, ctx);
    default:
      break;
  }
  if (!ctx.files)
    return std::nullopt;
  auto& store = *ctx.files;
  switch (call.constructor_id) {
    case upload_save_file_part_id:
    case upload_save_big_file_part_id:
      return store.save_part(call.auth_key_id, files::read_save_part(call.query));
    case account_upload_theme_id:
      return store.assemble(call.dc_id, call.auth_key_id, files::read_upload_theme(call.query));
    case upload_get_cdn_file_id:
      is_file = true;
      return store.get_cdn_file(call.dc_id, files::read_get_cdn_file(call.query));
    case upload_get_cdn_file_hashes_id:
      return store.get_cdn_file_hashes(call.dc_id, files::read_get_cdn_file_hashes(call.query));
    case upload_reupload_cdn_file_id:
      return store.reupload_cdn_file(call.dc_id, files::read_reupload_cdn_file(call.query));
    case help_get_cdn_config_id:
      return store.cdn_config();
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
