#include "mtsender/transport/tl/api_wrappers.hpp"

#include "mtsender/transport/hex.hpp"

#include <string>

namespace mtsender::tl {

namespace {

constexpr uint32_t flag_proxy = 1u << 0;
constexpr uint32_t flag_params = 1u << 1;

// JSONValue constructors (telegram_api.tl); only skipped, never interpreted.
constexpr uint32_t json_object_value_id = 0xc0de1bd9;
constexpr uint32_t json_null_id = 0x3f6d7b68;
constexpr uint32_t json_bool_id = 0xc7345e6a;
constexpr uint32_t json_number_id = 0x2be0dfa4;
constexpr uint32_t json_string_id = 0xb71e767a;
constexpr uint32_t json_array_id = 0xf7444763;
constexpr uint32_t json_object_id = 0x99c1d49d;
// Deeper JSON than this is refused rather than recursed into: a hostile
// client could otherwise nest until the stack overflows.
constexpr int max_json_depth = 32;

void skip_json_value(reader& r, int depth) {
  const auto at = r.position();
  if (depth > max_json_depth)
    throw decode_error(decode_errc::bad_value, at,
                       "initConnection.params: JSONValue nested deeper than "
                         + std::to_string(max_json_depth));
  const auto cid = r.read_uint32("initConnection.params JSONValue");
  switch (cid) {
    case json_null_id:
      return;
    case json_bool_id:
      r.read_bool("initConnection.params jsonBool");
      return;
    case json_number_id:
      r.read_double("initConnection.params jsonNumber");
      return;
    case json_string_id:
      r.read_bytes("initConnection.params jsonString");
      return;
    case json_array_id: {
      auto n = r.read_vector_header(4, "initConnection.params jsonArray");
      for (uint32_t i = 0; i < n; ++i)
        skip_json_value(r, depth + 1);
      return;
    }
    case json_object_id: {
      // id + key (at least 4) + value (at least 4)
      auto n = r.read_vector_header(12, "initConnection.params jsonObject");
      for (uint32_t i = 0; i < n; ++i) {
        r.expect_id(json_object_value_id, "jsonObjectValue");
        r.read_bytes("initConnection.params jsonObjectValue.key");
        skip_json_value(r, depth + 1);
      }
      return;
    }
    default:
      throw decode_error(decode_errc::bad_constructor, at,
                         "unknown constructor " + hex_id(cid)
                           + " for JSONValue in initConnection.params");
  }
}

init_connection_params read_init_connection_fields(reader& r) {
  init_connection_params p;
  const auto flags_at = r.position();
  const auto flags = r.read_uint32("initConnection.flags");
  if (flags & ~(flag_proxy | flag_params))
    throw decode_error(decode_errc::bad_value, flags_at,
                       "initConnection.flags has unknown bits " + hex_id(flags));
  p.api_id = r.read_int32("initConnection.api_id");
  p.device_model = r.read_string("initConnection.device_model");
  p.system_version = r.read_string("initConnection.system_version");
  p.app_version = r.read_string("initConnection.app_version");
  p.system_lang_code = r.read_string("initConnection.system_lang_code");
  p.lang_pack = r.read_string("initConnection.lang_pack");
  p.lang_code = r.read_string("initConnection.lang_code");
  if (flags & flag_proxy) {
    r.expect_id(input_client_proxy_id, "initConnection.proxy inputClientProxy");
    input_client_proxy proxy;
    proxy.address = r.read_string("initConnection.proxy.address");
    proxy.port = r.read_int32("initConnection.proxy.port");
    p.proxy = std::move(proxy);
  }
  if (flags & flag_params) {
    const auto start = r.position();
    skip_json_value(r, 0);
    p.params = r.input().sub(start, r.position() - start);
    p.has_params = true;
  }
  return p;
}

[[noreturn]] void throw_twice(size_t at, const char* name) {
  throw decode_error(decode_errc::bad_constructor, at,
                     std::string(name) + " appears twice in one query");
}

} // namespace

void write_invoke_with_layer_header(writer& w, int32_t layer) {
  w.write_uint32(invoke_with_layer_id);
  w.write_int32(layer);
}

void write_init_connection_header(writer& w, const init_connection_params& p) {
  uint32_t flags = 0;
  if (p.proxy)
    flags |= flag_proxy;
  if (p.has_params)
    flags |= flag_params;
  w.write_uint32(init_connection_id);
  w.write_uint32(flags);
  w.write_int32(p.api_id);
  w.write_string(p.device_model);
  w.write_string(p.system_version);
  w.write_string(p.app_version);
  w.write_string(p.system_lang_code);
  w.write_string(p.lang_pack);
  w.write_string(p.lang_code);
  if (p.proxy) {
    w.write_uint32(input_client_proxy_id);
    w.write_string(p.proxy->address);
    w.write_int32(p.proxy->port);
  }
  if (p.has_params)
    w.write_raw(p.params);
}

void write_invoke_after_msg_header(writer& w, int64_t msg_id) {
  w.write_uint32(invoke_after_msg_id);
  w.write_int64(msg_id);
}

void write_invoke_without_updates_header(writer& w) { w.write_uint32(invoke_without_updates_id); }

bool is_query_wrapper(uint32_t id) noexcept {
  switch (id) {
    case invoke_with_layer_id:
    case init_connection_id:
    case invoke_after_msg_id:
    case invoke_after_msgs_id:
    case invoke_without_updates_id:
    case invoke_with_messages_range_id:
    case invoke_with_takeout_id:
    case invoke_with_business_connection_id:
    case invoke_with_google_play_integrity_id:
    case invoke_with_apns_secret_id:
    case invoke_with_recaptcha_id:
      return true;
    default:
      return false;
  }
}

void write_invoke_with_layer(writer& w, int32_t layer, byte_view query) {
  write_invoke_with_layer_header(w, layer);
  w.write_raw(query);
}

void write_init_connection(writer& w, const init_connection_params& p, byte_view query) {
  write_init_connection_header(w, p);
  w.write_raw(query);
}

void write_invoke_after_msg(writer& w, int64_t msg_id, byte_view query) {
  write_invoke_after_msg_header(w, msg_id);
  w.write_raw(query);
}

unwrapped_query unwrap_query(byte_view body) {
  reader r{body};
  unwrapped_query out;
  auto once = [&](size_t at, uint32_t cid, const char* name) {
    for (auto w : out.wrappers)
      if (w == cid)
        throw_twice(at, name);
    out.wrappers.push_back(cid);
    r.skip(4);
  };
  for (;;) {
    const auto at = r.position();
    const auto cid = r.peek_uint32("query constructor id");
    switch (cid) {
      case invoke_with_layer_id: {
        once(at, cid, "invokeWithLayer");
        const auto layer_at = r.position();
        const auto layer = r.read_int32("invokeWithLayer.layer");
        if (layer <= 0)
          throw decode_error(decode_errc::bad_value, layer_at,
                             "invokeWithLayer.layer " + std::to_string(layer)
                               + " is not positive");
        out.layer = layer;
        break;
      }
      case init_connection_id:
        once(at, cid, "initConnection");
        out.init_connection = read_init_connection_fields(r);
        break;
      case invoke_after_msg_id:
        once(at, cid, "invokeAfterMsg");
        out.invoke_after_msg_id = r.read_int64("invokeAfterMsg.msg_id");
        break;
      case invoke_after_msgs_id: {
        once(at, cid, "invokeAfterMsgs");
        const auto n = r.read_vector_header(8, "invokeAfterMsgs.msg_ids");
        std::vector<int64_t> ids;
        ids.reserve(n);
        for (uint32_t i = 0; i < n; ++i)
          ids.push_back(r.read_int64("invokeAfterMsgs.msg_ids"));
        out.invoke_after_msg_ids = std::move(ids);
        break;
      }
      case invoke_without_updates_id:
        once(at, cid, "invokeWithoutUpdates");
        out.without_updates = true;
        break;
      case invoke_with_messages_range_id:
        once(at, cid, "invokeWithMessagesRange");
        r.expect_id(message_range_id, "invokeWithMessagesRange.range messageRange");
        r.read_int32("messageRange.min_id");
        r.read_int32("messageRange.max_id");
        break;
      case invoke_with_takeout_id:
        once(at, cid, "invokeWithTakeout");
        r.read_int64("invokeWithTakeout.takeout_id");
        break;
      case invoke_with_business_connection_id:
        once(at, cid, "invokeWithBusinessConnection");
        r.read_bytes("invokeWithBusinessConnection.connection_id");
        break;
      case invoke_with_google_play_integrity_id:
        once(at, cid, "invokeWithGooglePlayIntegrity");
        r.read_bytes("invokeWithGooglePlayIntegrity.nonce");
        r.read_bytes("invokeWithGooglePlayIntegrity.token");
        break;
      case invoke_with_apns_secret_id:
        once(at, cid, "invokeWithApnsSecret");
        r.read_bytes("invokeWithApnsSecret.nonce");
        r.read_bytes("invokeWithApnsSecret.secret");
        break;
      case invoke_with_recaptcha_id:
        once(at, cid, "invokeWithReCaptcha");
        r.read_bytes("invokeWithReCaptcha.token");
        break;
      default:
        out.query = r.rest();
        out.query_id = cid;
        return out;
    }
  }
}

uint32_t inner_method_id(byte_view body) noexcept {
  if (body.size() < 4)
    return 0;
  const uint32_t outer = load_le32(body.data());
  if (!is_query_wrapper(outer))
    return outer;
  try {
    return unwrap_query(body).query_id;
  } catch (const std::exception&) {
    return outer;
  }
}

} // namespace mtsender::tl
