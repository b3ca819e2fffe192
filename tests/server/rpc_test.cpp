// Queries: the wrappers, the built-in methods, registered handlers (answers,
// errors, delays, silence, per-call behaviour), METHOD_INVALID, updates.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

byte_buffer query(uint32_t id) {
  byte_buffer q;
  tl::writer{q}.write_uint32(id);
  return q;
}

tl::rpc_error read_error(byte_view result) {
  tl::reader r{result};
  auto e = tl::rpc_error::read(r);
  r.expect_end("rpc_error");
  return e;
}

byte_buffer get_file_query(int64_t offset, int32_t limit, bool precise = false) {
  return pattern_file_query(offset, limit, precise);
}

} // namespace

TEST_CASE("help.getNearestDc inside invokeWithLayer(initConnection(...))", "[server][rpc]") {
  running_server rs;
  auto c = session_client(rs);
  tl::init_connection_params p;
  p.api_id = 1;
  p.device_model = "test";
  p.system_version = "1";
  p.app_version = "1";
  p.system_lang_code = "en";
  p.lang_pack = "";
  p.lang_code = "en";
  byte_buffer body;
  tl::writer w{body};
  tl::write_invoke_with_layer_header(w, 181);
  tl::write_init_connection(w, p, query(help_get_nearest_dc_id));
  const int64_t id = c->send(body);
  auto res = c->expect_result(id);
  tl::reader r{res};
  r.expect_id(nearest_dc_id, "nearestDc");
  CHECK(r.read_string() == "ZZ");
  CHECK(r.read_int32() == 2);
  CHECK(r.read_int32() == 2);
  r.expect_end("nearestDc");
  auto n = rs.srv.counters();
  CHECK(n.count(tl::invoke_with_layer_id) == 1);
  CHECK(n.count(tl::init_connection_id) == 1);
  CHECK(n.count(help_get_nearest_dc_id) == 1);
}

TEST_CASE("handlers see the unwrapped query and its wrappers", "[server][rpc]") {
  running_server rs;
  std::atomic<int32_t> layer{0};
  std::atomic<int64_t> after{0};
  rs.srv.on(0x0badf00d, [&](const rpc_call& call) {
    layer = call.layer;
    CHECK(call.query.size() == 8);
    CHECK(call.dc_id == 2);
    return rpc_reply::result(query(tl::bool_true_id));
  });
  auto c = session_client(rs);
  byte_buffer inner = query(0x0badf00d);
  tl::writer{inner}.write_int32(5);
  byte_buffer body;
  tl::writer w{body};
  tl::write_invoke_with_layer_header(w, 99);
  tl::write_invoke_after_msg(w, 1234, inner);
  const int64_t id = c->send(body);
  CHECK(c->expect_result(id) == query(tl::bool_true_id));
  CHECK(layer == 99);
  (void)after;
  CHECK(rs.srv.counters().count(tl::invoke_after_msg_id) == 1);
}

TEST_CASE("upload.saveFilePart and upload.getFile", "[server][rpc]") {
  running_server rs;
  auto c = session_client(rs);
  SECTION("saveFilePart: boolTrue from 1 byte up to 512 KiB, an error otherwise") {
    for (size_t size : {size_t(0), size_t(1000), max_file_part_size, max_file_part_size + 4}) {
      byte_buffer q = query(upload_save_file_part_id);
      tl::writer w{q};
      w.write_int64(77);
      w.write_int32(3);
      w.write_bytes(byte_buffer(size, 0x33));
      const int64_t id = c->send(q);
      auto res = c->expect_result(id, 10s);
      if (size == 0) {
        CHECK(read_error(res).error_message == "FILE_PART_EMPTY");
      } else if (size <= max_file_part_size) {
        CHECK(res == query(tl::bool_true_id));
      } else {
        CHECK(read_error(res).error_message == "FILE_PART_TOO_BIG");
      }
    }
  }
  SECTION("getFile: deterministic bytes, never gzip-packed") {
    struct part { int64_t offset; int32_t limit; bool precise; };
    for (auto [offset, limit, precise] : {part{0, 4096, false}, part{1 << 20, 512 * 1024, false},
                                          part{4096, 4096, false}, part{3072, 1024, true},
                                          part{65536 * 3, 65536, false}}) {
      const int64_t id = c->send(get_file_query(offset, limit, precise));
      auto res = c->expect_result(id, 10s);
      tl::reader r{res};
      r.expect_id(upload_file_id, "upload.file");
      r.expect_id(storage_file_unknown_id, "storage.fileUnknown");
      r.read_int32("mtime");
      auto bytes = r.read_bytes();
      r.expect_end("upload.file");
      REQUIRE(bytes.size() == size_t(limit));
      bool same = true;
      for (size_t i = 0; i < bytes.size(); ++i)
        same = same && bytes[i] == file_byte(uint64_t(offset) + i);
      CHECK(same);
    }
    CHECK(rs.srv.counters().gzip_sent == 0);
  }
  SECTION("getFile: Telegram's offset and limit rules") {
    struct bad { int64_t offset; int32_t limit; bool precise; const char* error; };
    for (auto b : {bad{0, 0, false, "LIMIT_INVALID"}, bad{-4096, 4096, false, "OFFSET_INVALID"},
                   bad{7, 4096, false, "OFFSET_INVALID"}, bad{1024, 4096, false, "OFFSET_INVALID"},
                   bad{0, 1000, false, "LIMIT_INVALID"}, bad{0, 12288, false, "LIMIT_INVALID"},
                   bad{0, 2 << 20, false, "LIMIT_INVALID"},
                   bad{768 * 1024, 512 * 1024, false, "LIMIT_INVALID"},   // crosses 1 MiB
                   bad{(1 << 20) - 1024, 2048, true, "LIMIT_INVALID"},
                   bad{512, 1024, true, "OFFSET_INVALID"}}) {
      INFO("offset " << b.offset << " limit " << b.limit << " precise " << b.precise);
      auto id = c->send(get_file_query(b.offset, b.limit, b.precise));
      CHECK(read_error(c->expect_result(id)).error_message == b.error);
    }
    auto id3 = c->send(query(upload_get_file_id));
    CHECK(read_error(c->expect_result(id3)).error_message == "INPUT_FETCH_ERROR");
  }
}

TEST_CASE("lenient_files serves any offset and limit", "[server][rpc]") {
  auto opts = default_options();
  opts.lenient_files = true;
  running_server rs{std::move(opts)};
  auto c = session_client(rs);
  const int64_t id = c->send(get_file_query(7, 1000));
  auto res = c->expect_result(id);
  tl::reader r{res};
  r.skip(12);
  auto bytes = r.read_bytes();
  REQUIRE(bytes.size() == 1000);
  CHECK(bytes[0] == file_byte(7));
  CHECK(bytes[999] == file_byte(1006));
}

TEST_CASE("help.getConfig lists every DC of the server", "[server][rpc]") {
  running_server rs{default_options({dc_endpoint{2, "127.0.0.1", 0},
                                     dc_endpoint{4, "127.0.0.1", 0}})};
  auto c = session_client(rs, 4);
  byte_buffer body;
  tl::writer w{body};
  tl::write_invoke_with_layer(w, 198, query(help_get_config_id));
  const int64_t id = c->send(body);
  auto res = c->expect_result(id);
  tl::reader r{res};
  r.expect_id(config_id, "config");
  CHECK(r.read_uint32("flags") == 0);
  const int32_t date = r.read_int32("date");
  CHECK(std::abs(date - unix_now_ns() / 1'000'000'000) <= 2);
  CHECK(r.read_int32("expires") == date + 3600);
  CHECK_FALSE(r.read_bool("test_mode"));
  CHECK(r.read_int32("this_dc") == 4);
  REQUIRE(r.read_vector_header(20, "dc_options") == 2);
  for (int32_t dc : {2, 4}) {
    r.expect_id(dc_option_id, "dcOption");
    CHECK(r.read_uint32("flags") == 0);
    CHECK(r.read_int32("id") == dc);
    CHECK(r.read_string("ip_address") == "127.0.0.1");
    CHECK(r.read_int32("port") == rs.srv.port(dc));
  }
  CHECK(r.read_string("dc_txt_domain_name").empty());
  for (int i = 0; i < 17 + 4; ++i)
    r.read_int32("limits");
  CHECK(r.read_string("me_url_prefix") == "https://t.me/");
  r.read_int32("caption_length_max");
  r.read_int32("message_length_max");
  CHECK(r.read_int32("webfile_dc_id") == 4);
  r.expect_end("config");
}

TEST_CASE("help.getConfig flags the CDN DC as cdn", "[server][rpc]") {
  auto o = default_options({dc_endpoint{2, "127.0.0.1", 0}, dc_endpoint{4, "127.0.0.1", 0}});
  o.files.cdn_dc = 4;
  running_server rs{std::move(o)};
  auto c = session_client(rs, 2);
  byte_buffer body;
  tl::writer w{body};
  tl::write_invoke_with_layer(w, 198, query(help_get_config_id));
  auto res = c->expect_result(c->send(body));
  tl::reader r{res};
  r.expect_id(config_id, "config");
  r.read_uint32("flags");
  r.read_int32("date");
  r.read_int32("expires");
  r.read_bool("test_mode");
  CHECK(r.read_int32("this_dc") == 2);
  REQUIRE(r.read_vector_header(20, "dc_options") == 2);
  for (int32_t dc : {2, 4}) {
    r.expect_id(dc_option_id, "dcOption");
    CHECK(r.read_uint32("flags") == (dc == 4 ? 8u : 0u));   // cdn:flags.3
    CHECK(r.read_int32("id") == dc);
    r.read_string("ip_address");
    CHECK(r.read_int32("port") == rs.srv.port(dc));
  }
}

TEST_CASE("unknown methods get METHOD_INVALID, never silence", "[server][rpc]") {
  running_server rs;
  auto c = session_client(rs);
  const int64_t id = c->send(query(0x12345678));
  auto e = read_error(c->expect_result(id));
  CHECK(e.error_code == 400);
  CHECK(e.error_message == "METHOD_INVALID");
  // A truncated built-in query is an error too.
  byte_buffer q = query(upload_save_file_part_id);
  tl::writer{q}.write_int32(1);
  const int64_t id2 = c->send(q);
  CHECK(read_error(c->expect_result(id2)).error_message == "INPUT_FETCH_ERROR");
  // A wrapper with nothing inside.
  byte_buffer w;
  tl::writer{w}.write_uint32(tl::invoke_with_layer_id);
  const int64_t id3 = c->send(w);
  CHECK(read_error(c->expect_result(id3)).error_message == "INPUT_FETCH_ERROR");
}

TEST_CASE("a handler answers differently per call: FLOOD_WAIT then a result", "[server][rpc]") {
  running_server rs;
  rs.srv.on(0x0badf00d, [](const rpc_call& call) {
    if (call.call_number == 1)
      return rpc_reply::error(420, "FLOOD_WAIT_3");
    if (call.call_number == 2)
      return rpc_reply::error(303, "PHONE_MIGRATE_4");
    if (call.call_number == 3)
      throw std::runtime_error("handler bug");
    return rpc_reply::result(query(tl::bool_false_id));
  });
  auto c = session_client(rs);
  auto e1 = read_error(c->expect_result(c->send(query(0x0badf00d))));
  CHECK(e1.error_code == 420);
  CHECK(e1.error_message == "FLOOD_WAIT_3");
  auto e2 = read_error(c->expect_result(c->send(query(0x0badf00d))));
  CHECK(e2.error_code == 303);
  CHECK(e2.error_message == "PHONE_MIGRATE_4");
  auto e3 = read_error(c->expect_result(c->send(query(0x0badf00d))));
  CHECK(e3.error_code == 500);
  CHECK(c->expect_result(c->send(query(0x0badf00d))) == query(tl::bool_false_id));
  CHECK(rs.srv.counters().rpc_errors == 3);
  // A handler overrides a built-in one, and can be removed again.
  rs.srv.on(help_get_nearest_dc_id, [](const rpc_call&) { return rpc_reply::error(500, "NOPE"); });
  CHECK(read_error(c->expect_result(c->send(query(help_get_nearest_dc_id)))).error_message == "NOPE");
  rs.srv.remove_handler(help_get_nearest_dc_id);
  CHECK(tl::peek_constructor(c->expect_result(c->send(query(help_get_nearest_dc_id))))
        == nearest_dc_id);
}

TEST_CASE("delayed answers do not block other queries", "[server][rpc]") {
  running_server rs;
  rs.srv.on(0x0badf00d, [](const rpc_call&) {
    return rpc_reply::result(query(tl::bool_true_id)).after(800ms);
  });
  auto c = session_client(rs);
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t slow = c->send(query(0x0badf00d));
  const int64_t fast = c->send(tl::serialize(tl::ping{1}));
  auto pong = c->expect(tl::pong::id);
  tl::reader pr{pong.body};
  CHECK(tl::pong::read(pr).msg_id == fast);
  for (auto& m : c->backlog())
    CHECK(m.constructor() != tl::rpc_result_id);   // the slow answer is not there yet
  CHECK(c->expect_result(slow) == query(tl::bool_true_id));
  CHECK(std::chrono::steady_clock::now() - t0 >= 800ms);
}

TEST_CASE("updates are pushed to one session or to all", "[server][rpc]") {
  running_server rs;
  auto a = session_client(rs);
  auto b = session_client(rs);
  byte_buffer update = query(0x74ae4240);   // updates#74ae4240, body made up
  tl::writer{update}.write_int64(42);
  CHECK(rs.srv.push_update(update, 2, a->session_id()) == 1);
  auto ua = a->expect(0x74ae4240);
  CHECK(ua.body == update);
  CHECK(ua.msg_id % 4 == 3);    // not an answer
  CHECK(ua.seqno % 2 == 1);
  CHECK(b->silent_for(100ms));
  CHECK(rs.srv.push_update(update) == 2);
  CHECK_NOTHROW(a->expect(0x74ae4240));
  CHECK_NOTHROW(b->expect(0x74ae4240));
  CHECK(rs.srv.counters().updates_sent == 3);
  CHECK(rs.srv.push_update(update, 2, 12345) == 0);
}

TEST_CASE("an update for a session without a connection waits for it", "[server][rpc]") {
  running_server rs;
  crypto::auth_key_bytes key;
  int64_t salt, sid;
  {
    auto c = session_client(rs);
    key = c->auth_key();
    salt = c->salt();
    sid = c->session_id();
  }
  // Wait until the server saw the close.
  for (int i = 0; i < 100 && rs.srv.counters().connections_open; ++i)
    std::this_thread::sleep_for(10ms);
  byte_buffer update = query(0x74ae4240);
  CHECK(rs.srv.push_update(update, 0, sid) == 1);
  test_client c2 = rs.connect();
  c2.use_key(key, salt, sid);
  c2.send(tl::serialize(tl::ping{1}), true, send_overrides{std::nullopt, 101, std::nullopt, std::nullopt});
  CHECK_NOTHROW(c2.expect(0x74ae4240));
  CHECK_NOTHROW(c2.expect(tl::pong::id));
}
