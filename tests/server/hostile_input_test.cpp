// Hostile input: random frames, random packets under a real key, and valid
// packets whose message bodies are truncated or random. The server must
// never crash (run this under the sanitizers) and keep serving others.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

byte_buffer random_bytes(crypto::secure_random& rng, size_t max) {
  size_t n = size_t(rng.next<uint32_t>() % (max + 1));
  byte_buffer b(n);
  rng.fill(b.data(), n);
  return b;
}

void still_serving(running_server& rs) {
  test_client c = rs.connect();
  c.handshake(rs.srv.public_key());
  c.send(tl::serialize(tl::ping{1}));
  CHECK_NOTHROW(c.expect(tl::pong::id));
}

} // namespace

TEST_CASE("random bytes on fresh connections", "[server][hostile]") {
  running_server rs;
  crypto::secure_random rng;
  for (int i = 0; i < 200; ++i) {
    test_client c = rs.connect();
    auto junk = random_bytes(rng, 300);
    if (i % 3 == 0 && junk.size() >= 4)
      store_le32(junk.data(), 0xeeeeeeee);   // a valid intermediate tag, junk after it
    if (i % 3 == 1 && !junk.empty())
      junk[0] = 0xef;                          // abridged
    c.send_raw(junk);
  }
  still_serving(rs);
}

TEST_CASE("random packets under a valid auth key id", "[server][hostile]") {
  running_server rs;
  crypto::secure_random rng;
  test_client k = rs.connect();
  k.handshake(rs.srv.public_key());
  const auto key_id = crypto::auth_key_id(k.auth_key());
  for (int i = 0; i < 300; ++i) {
    test_client c = rs.connect();
    byte_buffer p(8);
    store_le64(p.data(), key_id);
    auto rest = random_bytes(rng, 200);
    rest.resize(rest.size() & ~size_t(3));
    p.insert(p.end(), rest.begin(), rest.end());
    c.send_frame(p);
    CHECK(c.wait_closed());
  }
  CHECK(rs.srv.counters().bad_packets >= 290);
  still_serving(rs);
}

TEST_CASE("well-encrypted messages with broken bodies", "[server][hostile]") {
  running_server rs;
  rs.srv.on(0x0badf00d, [](const rpc_call&) { return rpc_reply::no_answer(); });
  crypto::secure_random rng;
  auto c = rs.ready_client();
  const std::vector<uint32_t> ids = {
    tl::msgs_ack::id, tl::ping::id, tl::get_future_salts::id,
    tl::msgs_state_req::id, tl::msg_resend_req::id, tl::destroy_session::id,
    tl::rpc_drop_answer::id, tl::msg_container_id, tl::gzip_packed_id,
    tl::invoke_with_layer_id, tl::init_connection_id, tl::invoke_after_msg_id,
    upload_save_file_part_id, upload_get_file_id, help_get_nearest_dc_id, 0x0badf00d,
    tl::msgs_state_info::id, tl::rpc_result_id, tl::http_wait::id};
  size_t sent = 0;
  for (int round = 0; round < 20; ++round) {
    for (uint32_t id : ids) {
      byte_buffer body(4);
      store_le32(body.data(), id);
      auto tail = random_bytes(rng, 64);
      body.insert(body.end(), tail.begin(), tail.end());
      body.resize(body.size() & ~size_t(3));
      const bool content = id != tl::msgs_ack::id && id != tl::msg_container_id
                           && id != tl::http_wait::id;
      c->send(body, content);
      ++sent;
    }
    // Drain what came back so the socket never fills.
    while (!c->silent_for(20ms))
      c->read_packet();
  }
  CHECK(rs.srv.counters().messages_received >= sent);
  c->send(tl::serialize(tl::ping{2}));
  CHECK_NOTHROW(c->expect(tl::pong::id));
  still_serving(rs);
}

TEST_CASE("a gzip bomb is refused, not inflated", "[server][hostile]") {
  running_server rs;
  auto c = rs.ready_client();
  c->send(tl::serialize(tl::ping{0}));
  c->expect(tl::pong::id);
  // 64 MiB of zeros inflate far past the 16 MiB cap.
  byte_buffer zeros(64u << 20, 0);
  store_le32(zeros.data(), tl::ping::id);
  byte_buffer packed;
  tl::writer w{packed};
  tl::write_gzip_packed(w, zeros, 9);
  REQUIRE(packed.size() < (1u << 20));
  const int64_t id = c->send(packed);
  auto res = c->expect_result(id);
  tl::reader r{res};
  CHECK(tl::rpc_error::read(r).error_message == "INPUT_FETCH_ERROR");
}
