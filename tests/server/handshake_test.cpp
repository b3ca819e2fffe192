// The client handshake (transport/handshake) against the server over real
// sockets, for every framing, then a first encrypted exchange.
#include "server_fixture.hpp"

#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

codec::codec_options framing(codec::framing kind, codec::framing inner = codec::framing::intermediate) {
  codec::codec_options o;
  o.kind = kind;
  o.inner = inner;
  o.dc_id = 2;
  return o;
}

} // namespace

TEST_CASE("handshake and ping over every framing", "[server][handshake]") {
  running_server rs;
  const std::vector<std::pair<std::string, codec::codec_options>> framings = {
    {"abridged", framing(codec::framing::abridged)},
    {"intermediate", framing(codec::framing::intermediate)},
    {"padded_intermediate", framing(codec::framing::padded_intermediate)},
    {"full", framing(codec::framing::full)},
    {"obfuscated2/abridged", framing(codec::framing::obfuscated2, codec::framing::abridged)},
    {"obfuscated2/intermediate", framing(codec::framing::obfuscated2, codec::framing::intermediate)},
    {"obfuscated2/padded", framing(codec::framing::obfuscated2, codec::framing::padded_intermediate)},
  };
  uint64_t handshakes = 0;
  for (auto& [name, opts] : framings) {
    SECTION(name) {
      test_client c{rs.srv.port(2), opts};
      auto r = c.handshake(rs.srv.public_key());
      ++handshakes;
      CHECK(r.auth_key_id == crypto::auth_key_id(r.auth_key));
      CHECK(r.auth_key_id != 0);
      CHECK(std::abs(r.server_time_offset) <= 1);

      const int64_t ping_id = 0x1122334455667788;
      const int64_t id = c.send(tl::serialize(tl::ping{ping_id}));
      auto created = c.expect(tl::new_session_created::id);
      tl::reader cr{created.body};
      auto nsc = tl::new_session_created::read(cr);
      CHECK(nsc.first_msg_id == id);
      CHECK(created.seqno % 2 == 1);
      auto pm = c.expect(tl::pong::id);
      tl::reader pr{pm.body};
      auto pong = tl::pong::read(pr);
      CHECK(pong.msg_id == id);
      CHECK(pong.ping_id == ping_id);
      CHECK(pm.msg_id % 4 == 1);       // an answer
      CHECK(pm.seqno % 2 == 1);        // content-related
      auto counters = rs.srv.counters();
      CHECK(counters.handshakes_completed >= 1);
      CHECK(counters.count(tl::ping::id) >= 1);
      CHECK(counters.new_sessions >= 1);
    }
  }
}

TEST_CASE("temporary keys and the legacy inner data are accepted", "[server][handshake]") {
  running_server rs;
  SECTION("temp_dc") {
    test_client c = rs.connect();
    auto r = c.handshake(rs.srv.public_key(), handshake::inner_data_kind::temp_dc, 2, 3600);
    CHECK(r.kind == handshake::inner_data_kind::temp_dc);
    const auto id = c.send(tl::serialize(tl::ping{7}));
    auto pm = c.expect(tl::pong::id);
    tl::reader pr{pm.body};
    CHECK(tl::pong::read(pr).msg_id == id);
  }
  SECTION("plain p_q_inner_data") {
    test_client c = rs.connect();
    c.handshake(rs.srv.public_key(), handshake::inner_data_kind::plain, 0);
    c.send(tl::serialize(tl::ping{8}));
    CHECK_NOTHROW(c.expect(tl::pong::id));
  }
}

TEST_CASE("an auth key outlives its connection", "[server][handshake]") {
  running_server rs;
  crypto::auth_key_bytes key;
  int64_t salt;
  {
    test_client c = rs.connect();
    c.handshake(rs.srv.public_key());
    key = c.auth_key();
    salt = c.salt();
    c.send(tl::serialize(tl::ping{1}));
    c.expect(tl::pong::id);
  }
  test_client c2 = rs.connect(framing(codec::framing::abridged));
  c2.use_key(key, salt, 42);
  c2.send(tl::serialize(tl::ping{2}));
  CHECK_NOTHROW(c2.expect(tl::pong::id));
  CHECK(rs.srv.counters().handshakes_completed == 1);
  CHECK(rs.srv.counters().auth_keys == 1);
}

TEST_CASE("an unknown auth key gets -404 and the connection closes", "[server][handshake]") {
  running_server rs;
  test_client c = rs.connect();
  crypto::auth_key_bytes key{};
  c.rng().fill(key.data(), key.size());
  c.use_key(key, 0, 1);
  c.send(tl::serialize(tl::ping{1}));
  auto f = c.read_frame();
  REQUIRE(f);
  CHECK(f->type == codec::frame::kind::transport_error);
  CHECK(f->error_code == -404);
  CHECK(c.wait_closed());
  CHECK(rs.srv.counters().unknown_auth_key == 1);
}

TEST_CASE("garbage instead of a handshake closes the connection", "[server][handshake]") {
  running_server rs;
  SECTION("unknown framing tag") {
    test_client c = rs.connect();
    // A GET request is what Telegram's servers see from confused clients.
    c.send_raw(byte_view{std::string_view{"GET / HTTP/1.1\r\n\r\n"}});
    CHECK(c.wait_closed());
  }
  SECTION("a plain message that is no handshake request") {
    test_client c = rs.connect();
    byte_buffer body = tl::serialize(tl::ping{1});
    byte_buffer packet(8, 0);
    tl::writer w{packet};
    w.write_int64(int64_t(session::msg_id_from_time_ns(unix_now_ns())) & ~int64_t(3));
    w.write_int32(int32_t(body.size()));
    w.write_raw(body);
    c.send_frame(packet);
    CHECK(c.wait_closed());
    CHECK(rs.srv.counters().handshakes_failed == 1);
  }
  SECTION("a tampered req_DH_params") {
    test_client c = rs.connect();
    byte_buffer packet(8, 0);
    tl::writer w{packet};
    w.write_int64(int64_t(session::msg_id_from_time_ns(unix_now_ns())) & ~int64_t(3));
    w.write_int32(20);
    w.write_uint32(0xbe7e8ef1);   // req_pq_multi
    int128 nonce{};
    w.write_int128(nonce);
    c.send_frame(packet);
    auto f = c.read_frame();
    REQUIRE(f);   // resPQ
    byte_buffer bad(8, 0);
    tl::writer b{bad};
    b.write_int64(int64_t(session::msg_id_from_time_ns(unix_now_ns())) & ~int64_t(3));
    b.write_int32(24);
    b.write_uint32(0xd712e4be);   // req_DH_params, cut short
    b.write_raw(byte_view{nonce});
    b.write_uint32(0);
    c.send_frame(bad);
    CHECK(c.wait_closed());
    CHECK(rs.srv.counters().handshakes_failed == 1);
  }
}

TEST_CASE("a temporary key expires", "[server][handshake]") {
  running_server rs;
  test_client c = rs.connect();
  c.handshake(rs.srv.public_key(), handshake::inner_data_kind::temp_dc, 2, 1);
  c.send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(c.expect(tl::pong::id));
  std::this_thread::sleep_for(2100ms);
  c.send(tl::serialize(tl::ping{2}));
  auto f = c.read_frame();
  REQUIRE(f);
  CHECK(f->type == codec::frame::kind::transport_error);
  CHECK(f->error_code == -404);
}

TEST_CASE("pong inside rpc_result for clients that expect it", "[server][session]") {
  auto opts = default_options();
  opts.pong = pong_style::rpc_result;
  running_server rs{std::move(opts)};
  auto c = rs.ready_client();
  const int64_t id = c->send(tl::serialize(tl::ping{5}));
  auto res = c->expect_result(id);
  tl::reader r{res};
  auto p = tl::pong::read(r);
  CHECK(p.msg_id == id);
  CHECK(p.ping_id == 5);
}

TEST_CASE("obfuscated2 with an MTProxy secret", "[server][handshake]") {
  int128 secret;
  for (size_t i = 0; i < secret.size(); ++i)
    secret[i] = uint8_t(0xa0 + i);
  auto opts = default_options();
  opts.proxy_secret = secret;
  running_server rs{std::move(opts)};
  codec::codec_options o = framing(codec::framing::obfuscated2, codec::framing::padded_intermediate);
  o.proxy_secret = secret;
  test_client good{rs.srv.port(2), o};
  good.handshake(rs.srv.public_key());
  good.send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(good.expect(tl::pong::id));
  // Without the secret the obfuscation header decodes to garbage: refused.
  test_client bad{rs.srv.port(2), framing(codec::framing::obfuscated2)};
  CHECK_THROWS(bad.handshake(rs.srv.public_key()));
}
