#include "mtsender/tests/test_dc/builtin_methods.hpp"

#include "mtsender/tests/test_dc/file_store.hpp"
#include "mtsender/transport/files/download_rules.hpp"
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
  api::from_bytes<api::help::getConfig>(call.query);
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
    o.cdn = d.cdn;
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
  return rpc_reply::result_of<api::help::getConfig>(c);
}

rpc_reply nearest_dc(const rpc_call& call, const std::string& country) {
  api::from_bytes<api::help::getNearestDc>(call.query);
  api::nearestDc n;
  n.country = country;
  n.this_dc = call.dc_id;
  n.nearest_dc = call.dc_id;
  return rpc_reply::result_of<api::help::getNearestDc>(n);
}

rpc_reply get_file(const rpc_call& call, const builtin_context& ctx) {
  const auto q = api::from_bytes<api::upload::getFile>(call.query);
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
  w.write_uint32(api::upload::file::tl_id);
  w.write_uint32(api::storage::fileUnknown::tl_id);
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

byte_buffer pattern_file_query(int64_t offset, int32_t limit, bool precise) {
  api::upload::getFile q;
  q.precise = precise;
  q.location = api::inputPhotoFileLocation{1, 2, {3}, "x"};
  q.offset = offset;
  q.limit = limit;
  return api::to_bytes(q);
}

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
      return store.save_part(call.auth_key_id, read_saved_part(call.query));
    case account_upload_theme_id:
      return store.assemble(call.dc_id, call.auth_key_id,
                            api::from_bytes<api::account::uploadTheme>(call.query));
    case upload_get_cdn_file_id:
      is_file = true;
      return store.get_cdn_file(call.dc_id, api::from_bytes<api::upload::getCdnFile>(call.query));
    case upload_get_cdn_file_hashes_id:
      return store.get_cdn_file_hashes(
        call.dc_id, api::from_bytes<api::upload::getCdnFileHashes>(call.query));
    case upload_reupload_cdn_file_id:
      return store.reupload_cdn_file(call.dc_id,
                                     api::from_bytes<api::upload::reuploadCdnFile>(call.query));
    case help_get_cdn_config_id:
      api::from_bytes<api::help::getCdnConfig>(call.query);
      return store.cdn_config();
    default:
      return std::nullopt;
  }
}

} // namespace mtsender::test_dc
