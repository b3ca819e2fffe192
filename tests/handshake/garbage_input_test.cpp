// Hostile bytes at every step: truncations, bit flips and random bodies must
// end in a handshake_error (never a crash, an out-of-bounds read or a hang),
// on both sides.
#include "tamper.hpp"

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

// Each body the honest client and server exchange, in order.
struct transcript_bodies {
  std::vector<byte_buffer> to_server, to_client;
};

transcript_bodies record() {
  hs_test::scripted_random crng{71}, srng{72};
  client_handshake client{hs_test::client_cfg(), crng};
  server_handshake server{hs_test::server_cfg(), srng};
  transcript_bodies t;
  auto to_server = client.start();
  for (;;) {
    t.to_server.push_back(to_server);
    auto s = server.on_message(to_server, 1000);
    t.to_client.push_back(s.send);
    auto c = client.on_message(s.send, 1000);
    if (c.status == step_status::done)
      break;
    to_server = c.send;
  }
  return t;
}

// Replays the honest exchange up to step `k`, then feeds `bad` to the client.
void feed_client(const transcript_bodies& t, size_t k, byte_view bad) {
  hs_test::scripted_random crng{71};
  client_handshake client{hs_test::client_cfg(), crng};
  client.start();
  for (size_t i = 0; i < k; ++i)
    client.on_message(t.to_client[i], 1000);
  CHECK_THROWS_AS(client.on_message(bad, 1000), handshake_error);
  CHECK(client.current_state() == client_handshake::state::failed);
}

void feed_server(const transcript_bodies& t, size_t k, byte_view bad) {
  hs_test::scripted_random srng{72};
  server_handshake server{hs_test::server_cfg(), srng};
  for (size_t i = 0; i < k; ++i)
    server.on_message(t.to_server[i], 1000);
  CHECK_THROWS_AS(server.on_message(bad, 1000), handshake_error);
  CHECK(server.current_state() == server_handshake::state::failed);
}

} // namespace

TEST_CASE("truncated, flipped and random messages fail cleanly", "[handshake][garbage]") {
  auto t = record();
  REQUIRE(t.to_client.size() == 3);
  hs_test::scripted_random noise{73};
  for (size_t k = 0; k < 3; ++k) {
    INFO("step " << k);
    const auto& good_c = t.to_client[k];
    const auto& good_s = t.to_server[k];
    for (size_t cut : {size_t(0), size_t(3), size_t(4), size_t(20), good_c.size() / 2,
                       good_c.size() - 1})
      if (cut < good_c.size())
        feed_client(t, k, byte_view{good_c}.sub(0, cut));
    for (size_t cut : {size_t(0), size_t(4), good_s.size() / 2, good_s.size() - 1})
      if (cut < good_s.size())
        feed_server(t, k, byte_view{good_s}.sub(0, cut));
    for (int i = 0; i < 6; ++i) {
      byte_buffer junk(size_t(noise.next<uint16_t>() % 700));
      noise.fill(junk.data(), junk.size());
      feed_client(t, k, junk);
      feed_server(t, k, junk);
      // A valid constructor id followed by junk.
      if (good_c.size() >= 4 && junk.size() >= 4) {
        std::copy(good_c.begin(), good_c.begin() + 4, junk.begin());
        feed_client(t, k, junk);
        std::copy(good_s.begin(), good_s.begin() + 4, junk.begin());
        feed_server(t, k, junk);
      }
    }
    // Single flipped bits in the honest message, past the constructor id.
    for (size_t at = 4; at < good_c.size(); at += 1 + good_c.size() / 9) {
      // In resPQ only the nonce and the fingerprint are checkable: any
      // server_nonce is fine and a flipped pq may still be a semiprime.
      if (k == 0 && at >= 20 && at + 8 < good_c.size())
        continue;
      auto bad = good_c;
      bad[at] ^= 0x01;
      feed_client(t, k, bad);
    }
    // (req_pq_multi is skipped: any nonce is a valid first message.)
    for (size_t at = 4; k > 0 && at < good_s.size(); at += 1 + good_s.size() / 9) {
      auto bad = good_s;
      bad[at] ^= 0x01;
      feed_server(t, k, bad);
    }
  }
}
