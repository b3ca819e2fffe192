// invokeWithLayer / initConnection / invokeAfterMsg: writers that wrap a
// serialized query and unwrap_query() that peels them off again.
// Ids and layouts from telegram_api.tl (core.telegram.org/schema):
//   invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
//   initConnection#c1cd5ea9 {X:Type} flags:# api_id:int device_model:string
//     system_version:string app_version:string system_lang_code:string
//     lang_pack:string lang_code:string proxy:flags.0?InputClientProxy
//     params:flags.1?JSONValue query:!X = X;
//   invokeAfterMsg#cb9f372d {X:Type} msg_id:long query:!X = X;
//   inputClientProxy#75588b3f address:string port:int = InputClientProxy;
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include "tl_test_helpers.hpp"

#include <algorithm>

using namespace mtsender;
using namespace mtsender::tl;
using mtsender::tl::test::catch_decode_error;
using mtsender::tl::test::contains;

namespace {

// help.getConfig#c4f9186b = Config; (telegram_api.tl): the usual first query.
const byte_buffer get_config = from_hex("6b18f9c4");

init_connection_params sample_params() {
  init_connection_params p;
  p.api_id = 12345;
  p.device_model = "PC";
  p.system_version = "Linux";
  p.app_version = "0.1.0";
  p.system_lang_code = "en";
  p.lang_pack = "";
  p.lang_code = "en";
  return p;
}

void check_same(const init_connection_params& a, const init_connection_params& b) {
  CHECK(a.api_id == b.api_id);
  CHECK(a.device_model == b.device_model);
  CHECK(a.system_version == b.system_version);
  CHECK(a.app_version == b.app_version);
  CHECK(a.system_lang_code == b.system_lang_code);
  CHECK(a.lang_pack == b.lang_pack);
  CHECK(a.lang_code == b.lang_code);
  CHECK(a.proxy == b.proxy);
  CHECK(a.has_params == b.has_params);
  CHECK(a.params == b.params);
}

byte_buffer first_query(const init_connection_params& p, byte_view query) {
  byte_buffer out;
  writer w{out};
  write_invoke_with_layer_header(w, 181);
  write_init_connection(w, p, query);
  return out;
}

} // namespace

TEST_CASE("invokeWithLayer(initConnection(query)) known layout", "[tl][api]") {
  auto body = first_query(sample_params(), get_config);
  // da9b0d0d, layer 181 = 0xb5, c1cd5ea9, flags 0, api_id 12345 = 0x3039.
  CHECK(to_hex(byte_view{body}.sub(0, 20)) == "0d0d9bda" "b5000000" "a95ecdc1" "00000000"
                                              "39300000");
  // Strings follow: "PC" = 02 50 43 00.
  CHECK(to_hex(byte_view{body}.sub(20, 4)) == "02504300");
  CHECK(to_hex(byte_view{body}.sub(body.size() - 4)) == "6b18f9c4");

  auto u = unwrap_query(body);
  REQUIRE(u.layer);
  CHECK(*u.layer == 181);
  REQUIRE(u.init_connection);
  check_same(*u.init_connection, sample_params());
  CHECK_FALSE(u.invoke_after_msg_id);
  CHECK(u.query == byte_view{get_config});
  CHECK(u.query.data() == body.data() + body.size() - 4);   // a view
  CHECK(u.query_id == 0xc4f9186b);
}

TEST_CASE("the wrapping writers agree with header + raw query", "[tl][api]") {
  byte_buffer a;
  writer wa{a};
  write_invoke_with_layer(wa, 200, get_config);
  byte_buffer b;
  writer wb{b};
  write_invoke_with_layer_header(wb, 200);
  wb.write_raw(get_config);
  CHECK(a == b);

  byte_buffer c;
  writer wc{c};
  write_invoke_after_msg(wc, 0x5e0b700a00000004, get_config);
  CHECK(to_hex(c) == "2d379fcb" "040000000a700b5e" "6b18f9c4");
}

TEST_CASE("unwrap_query in any nesting", "[tl][api]") {
  auto p = sample_params();
  SECTION("invokeAfterMsg(invokeWithLayer(initConnection(q)))") {
    byte_buffer body;
    writer w{body};
    write_invoke_after_msg_header(w, 77);
    write_invoke_with_layer_header(w, 150);
    write_init_connection(w, p, get_config);
    auto u = unwrap_query(body);
    CHECK(u.invoke_after_msg_id == std::optional<int64_t>(77));
    CHECK(u.layer == std::optional<int32_t>(150));
    REQUIRE(u.init_connection);
    check_same(*u.init_connection, p);
    CHECK(u.query == byte_view{get_config});
  }
  SECTION("initConnection(invokeWithLayer(q)) and bare invokeAfterMsg") {
    byte_buffer body;
    writer w{body};
    write_init_connection_header(w, p);
    write_invoke_with_layer(w, 5, get_config);
    auto u = unwrap_query(body);
    CHECK(u.layer == std::optional<int32_t>(5));
    CHECK(u.init_connection);
    CHECK_FALSE(u.invoke_after_msg_id);

    byte_buffer b2;
    writer w2{b2};
    write_invoke_after_msg(w2, -1, get_config);
    auto u2 = unwrap_query(b2);
    CHECK(u2.invoke_after_msg_id == std::optional<int64_t>(-1));
    CHECK_FALSE(u2.layer);
    CHECK_FALSE(u2.init_connection);
  }
  SECTION("no wrapper: the body comes back as is") {
    byte_buffer body;
    writer w{body};
    ping{42}.write(w);
    auto u = unwrap_query(body);
    CHECK(u.query.data() == body.data());
    CHECK(u.query.size() == body.size());
    CHECK(u.query_id == ping::id);
    CHECK_FALSE(u.layer);
    CHECK_FALSE(u.init_connection);
    CHECK_FALSE(u.invoke_after_msg_id);
  }
}

TEST_CASE("initConnection with proxy and JSON params", "[tl][api]") {
  auto p = sample_params();
  p.proxy = input_client_proxy{"proxy.example.org", 443};
  // jsonObject#99c1d49d value:Vector<JSONObjectValue> holding
  // jsonObjectValue#c0de1bd9 key:"tz_offset" value:jsonNumber#2be0dfa4 3600.0
  // (what TDLib sends as initConnection.params; ids from telegram_api.tl).
  byte_buffer json;
  writer wj{json};
  wj.write_uint32(0x99c1d49d);
  wj.write_vector_header(1);
  wj.write_uint32(0xc0de1bd9);
  wj.write_string("tz_offset");
  wj.write_uint32(0x2be0dfa4);
  wj.write_double(3600.0);
  p.params = json;
  p.has_params = true;

  auto body = first_query(p, get_config);
  CHECK(to_hex(byte_view{body}.sub(12, 4)) == "03000000");   // flags.0 | flags.1
  auto u = unwrap_query(body);
  REQUIRE(u.init_connection);
  check_same(*u.init_connection, p);
  CHECK(u.query == byte_view{get_config});

  SECTION("the empty JSON object, 12 bytes") {
    auto q = sample_params();
    // jsonObject#99c1d49d (little-endian 9d d4 c1 99), vector#1cb5c415, count 0.
    auto empty_obj = from_hex("9dd4c199 15c4b51c 00000000");
    q.params = empty_obj;
    q.has_params = true;
    auto b = first_query(q, get_config);
    auto uq = unwrap_query(b);
    CHECK(uq.init_connection->params == byte_view{empty_obj});
    CHECK(uq.query == byte_view{get_config});
  }
  SECTION("every JSONValue kind is skipped") {
    auto q = sample_params();
    byte_buffer j;
    writer w{j};
    w.write_uint32(0xf7444763);   // jsonArray
    w.write_vector_header(5);
    w.write_uint32(0x3f6d7b68);   // jsonNull
    w.write_uint32(0xc7345e6a);   // jsonBool
    w.write_bool(true);
    w.write_uint32(0x2be0dfa4);   // jsonNumber
    w.write_double(1.0);
    w.write_uint32(0xb71e767a);   // jsonString
    w.write_string("x");
    w.write_uint32(0x99c1d49d);   // jsonObject {}
    w.write_vector_header(0);
    q.params = j;
    q.has_params = true;
    auto uq = unwrap_query(first_query(q, get_config));
    CHECK(uq.init_connection->params.size() == j.size());
    CHECK(uq.query_id == 0xc4f9186b);
  }
}

TEST_CASE("malformed wrappers", "[tl][api]") {
  auto p = sample_params();
  SECTION("truncated at every byte position up to the inner query's id") {
    p.proxy = input_client_proxy{"h", 1};
    auto body = first_query(p, get_config);
    const size_t query_at = body.size() - get_config.size();
    for (size_t cut = 0; cut < query_at + 4; ++cut) {
      INFO("cut at " << cut);
      auto e = catch_decode_error([&] { unwrap_query(byte_view{body}.sub(0, cut)); });
      CHECK(e.code() == decode_errc::truncated);
      const std::string what = e.what();
      CHECK((contains(what, "invokeWithLayer") || contains(what, "initConnection")
             || contains(what, "query constructor")));
    }
  }
  SECTION("a wrapper twice") {
    byte_buffer body;
    writer w{body};
    write_invoke_with_layer_header(w, 1);
    write_invoke_with_layer(w, 2, get_config);
    auto e = catch_decode_error([&] { unwrap_query(body); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "invokeWithLayer appears twice"));
    CHECK(e.offset() == 8);
  }
  SECTION("a wrapper with nothing inside") {
    byte_buffer body;
    writer w{body};
    write_invoke_after_msg_header(w, 1);
    auto e = catch_decode_error([&] { unwrap_query(body); });
    CHECK(e.code() == decode_errc::truncated);
    CHECK(contains(e.what(), "query constructor"));
  }
  SECTION("layer not positive") {
    byte_buffer body;
    writer w{body};
    write_invoke_with_layer(w, 0, get_config);
    auto e = catch_decode_error([&] { unwrap_query(body); });
    CHECK(e.code() == decode_errc::bad_value);
    CHECK(contains(e.what(), "invokeWithLayer.layer"));
  }
  SECTION("unknown flags") {
    auto body = first_query(p, get_config);
    store_le32(body.data() + 12, 0x4);
    auto e = catch_decode_error([&] { unwrap_query(body); });
    CHECK(e.code() == decode_errc::bad_value);
    CHECK(contains(e.what(), "initConnection.flags"));
  }
  SECTION("proxy flag with a wrong constructor") {
    p.proxy = input_client_proxy{"h", 1};
    auto body = first_query(p, get_config);
    // The proxy starts after the 7 fixed fields; find its id and corrupt it.
    byte_buffer id(4);
    store_le32(id.data(), input_client_proxy_id);
    auto it = std::search(body.begin(), body.end(), id.begin(), id.end());
    REQUIRE(it != body.end());
    store_le32(&*it, 0xdeadbeef);
    auto e = catch_decode_error([&] { unwrap_query(body); });
    CHECK(e.code() == decode_errc::bad_constructor);
    CHECK(contains(e.what(), "inputClientProxy"));
    CHECK(contains(e.what(), "#deadbeef"));
  }
  SECTION("bad JSON params") {
    auto with_json = [&](byte_view j) {
      auto q = sample_params();
      q.params = j;
      q.has_params = true;
      return first_query(q, get_config);
    };
    // Unknown JSONValue constructor.
    auto b1 = with_json(from_hex("efbeadde"));
    auto e1 = catch_decode_error([&] { unwrap_query(b1); });
    CHECK(e1.code() == decode_errc::bad_constructor);
    CHECK(contains(e1.what(), "#deadbeef"));
    CHECK(contains(e1.what(), "JSONValue"));
    // jsonArray claiming 2^31 items.
    auto b2 = with_json(from_hex("634744f7 15c4b51c 00000080"));
    auto e2 = catch_decode_error([&] { unwrap_query(b2); });
    CHECK(e2.code() == decode_errc::bad_length);
    CHECK(contains(e2.what(), "jsonArray"));
    // Nested 1000 deep: refused, not recursed into.
    byte_buffer deep;
    writer wd{deep};
    for (int i = 0; i < 1000; ++i) {
      wd.write_uint32(0xf7444763);
      wd.write_vector_header(1);
    }
    wd.write_uint32(0x3f6d7b68);
    auto b3 = with_json(deep);
    auto e3 = catch_decode_error([&] { unwrap_query(b3); });
    CHECK(e3.code() == decode_errc::bad_value);
    CHECK(contains(e3.what(), "nested deeper"));
    // jsonBool with a value that is not a Bool.
    auto b4 = with_json(from_hex("6a5e34c7 00000000"));
    CHECK(catch_decode_error([&] { unwrap_query(b4); }).code() == decode_errc::bad_constructor);
  }
}

// The other invokeWith* prefixes (telegram_api.tl, layer 228):
//   invokeAfterMsgs#3dc4b4f0 msg_ids:Vector<long> query:!X
//   invokeWithoutUpdates#bf9459b7 query:!X
//   invokeWithMessagesRange#365275f2 range:MessageRange query:!X
//     (messageRange#ae30253 min_id:int max_id:int)
//   invokeWithTakeout#aca9fd2e takeout_id:long query:!X
//   invokeWithBusinessConnection#dd289f8e connection_id:string query:!X
//   invokeWithGooglePlayIntegrity#1df92984 nonce:string token:string query:!X
//   invokeWithApnsSecret#0dae54f8 nonce:string secret:string query:!X
//   invokeWithReCaptcha#adbb0f94 token:string query:!X
namespace {

// Every wrapper around get_config, outermost first.
byte_buffer all_wrappers() {
  byte_buffer out;
  writer w{out};
  write_invoke_with_layer_header(w, 228);
  write_init_connection_header(w, sample_params());
  write_invoke_without_updates_header(w);
  w.write_uint32(invoke_after_msgs_id);
  w.write_vector_header(2);
  w.write_int64(400);
  w.write_int64(800);
  w.write_uint32(invoke_with_messages_range_id);
  w.write_uint32(message_range_id);
  w.write_int32(10);
  w.write_int32(20);
  w.write_uint32(invoke_with_takeout_id);
  w.write_int64(99);
  w.write_uint32(invoke_with_business_connection_id);
  w.write_string("biz");
  w.write_uint32(invoke_with_google_play_integrity_id);
  w.write_string("n1");
  w.write_string("t1");
  w.write_uint32(invoke_with_apns_secret_id);
  w.write_string("n2");
  w.write_string("s2");
  w.write_uint32(invoke_with_recaptcha_id);
  w.write_string("captcha");
  write_invoke_after_msg_header(w, 1234);
  w.write_raw(get_config);
  return out;
}

} // namespace

TEST_CASE("unwrap_query peels every invokeWith* prefix", "[tl][api]") {
  const byte_buffer body = all_wrappers();
  auto u = unwrap_query(body);
  CHECK(u.query_id == 0xc4f9186b);
  CHECK(u.query == byte_view{get_config});
  CHECK(u.layer == 228);
  REQUIRE(u.init_connection);
  check_same(*u.init_connection, sample_params());
  CHECK(u.without_updates);
  REQUIRE(u.invoke_after_msg_ids);
  CHECK(*u.invoke_after_msg_ids == std::vector<int64_t>{400, 800});
  CHECK(u.invoke_after_msg_id == 1234);
  const std::vector<uint32_t> order{invoke_with_layer_id,
                                    init_connection_id,
                                    invoke_without_updates_id,
                                    invoke_after_msgs_id,
                                    invoke_with_messages_range_id,
                                    invoke_with_takeout_id,
                                    invoke_with_business_connection_id,
                                    invoke_with_google_play_integrity_id,
                                    invoke_with_apns_secret_id,
                                    invoke_with_recaptcha_id,
                                    invoke_after_msg_id};
  CHECK(u.wrappers == order);
  for (auto id : order)
    CHECK(is_query_wrapper(id));
  CHECK_FALSE(is_query_wrapper(0xc4f9186b));
  // A bare query has no wrapper and is not without_updates.
  auto bare = unwrap_query(get_config);
  CHECK(bare.wrappers.empty());
  CHECK_FALSE(bare.without_updates);
}

TEST_CASE("every wrapper cut short is a decode error, twice is refused", "[tl][api]") {
  const byte_buffer body = all_wrappers();
  // Cut before the innermost query: every prefix of the wrappers fails.
  const size_t wrappers_end = body.size() - get_config.size();
  for (size_t cut = 0; cut < wrappers_end; cut += 4)
    catch_decode_error([&] { unwrap_query(byte_view{body}.sub(0, cut)); });
  byte_buffer twice;
  writer w{twice};
  write_invoke_without_updates_header(w);
  write_invoke_without_updates_header(w);
  w.write_raw(get_config);
  auto e = catch_decode_error([&] { unwrap_query(twice); });
  CHECK(contains(e.what(), "invokeWithoutUpdates appears twice"));
  byte_buffer bad_range;
  writer rw{bad_range};
  rw.write_uint32(invoke_with_messages_range_id);
  rw.write_uint32(0x11111111);   // not messageRange
  rw.write_int32(1);
  rw.write_int32(2);
  rw.write_raw(get_config);
  catch_decode_error([&] { unwrap_query(bad_range); });
}

TEST_CASE("inner_method_id sees through wrappers and never throws", "[tl][api]") {
  CHECK(inner_method_id(get_config) == 0xc4f9186b);
  CHECK(inner_method_id(all_wrappers()) == 0xc4f9186b);
  CHECK(inner_method_id(first_query(sample_params(), get_config)) == 0xc4f9186b);
  byte_buffer no_updates;
  writer w{no_updates};
  write_invoke_without_updates_header(w);
  w.write_raw(get_config);
  CHECK(inner_method_id(no_updates) == 0xc4f9186b);
  // Broken wrappers: the outermost constructor, no exception.
  const byte_buffer body = all_wrappers();
  CHECK(inner_method_id(byte_view{body}.sub(0, 8)) == invoke_with_layer_id);
  byte_buffer lone;
  writer{lone}.write_uint32(invoke_without_updates_id);
  CHECK(inner_method_id(lone) == invoke_without_updates_id);
  CHECK(inner_method_id(byte_view{}) == 0);
  CHECK(inner_method_id(byte_view{get_config}.sub(0, 3)) == 0);
}
