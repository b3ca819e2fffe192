// The test relay (tests/support/tcp_relay.hpp) against the real test server:
// in every framing it records both directions, forges a transport error on a
// frame boundary that the client reads as one, replays an old server packet
// that still decrypts, and the session carries on afterwards (which shows
// the full framing's seqno and the obfuscated2 key stream survived).
#include "server_fixture.hpp"

#include "mtsender/tests/support/tcp_relay.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>
#include <algorithm>

using namespace mtsender;
using namespace mtsender::test_dc::testing;
using mtsender::test_support::relay_direction;
using mtsender::test_support::relay_frame;
using mtsender::test_support::relay_options;
using mtsender::test_support::tcp_relay;

namespace {

struct framing_case {
  codec::framing kind;
  codec::framing inner;
};

codec::codec_options options_for(framing_case fc) {
  codec::codec_options o;
  o.kind = fc.kind;
  o.inner = fc.inner;
  o.dc_id = 2;
  return o;
}

int64_t ping(test_client& c, int64_t id) {
  c.send(tl::serialize(tl::ping{id}));
  return read_as<tl::pong>(c.expect(tl::pong::id)).ping_id;
}

} // namespace

TEST_CASE("relay: records, forges -404 and replays on a frame boundary in every framing",
          "[server][relay]") {
  auto fc = GENERATE(framing_case{codec::framing::abridged, codec::framing::abridged},
                     framing_case{codec::framing::intermediate, codec::framing::intermediate},
                     framing_case{codec::framing::padded_intermediate,
                                  codec::framing::padded_intermediate},
                     framing_case{codec::framing::full, codec::framing::full},
                     framing_case{codec::framing::obfuscated2, codec::framing::abridged},
                     framing_case{codec::framing::obfuscated2, codec::framing::padded_intermediate});
  CAPTURE(codec::to_string(fc.kind), codec::to_string(fc.inner));
  running_server rs;
  tcp_relay relay{rs.srv.port(2)};
  test_client c{relay.port(), options_for(fc)};
  c.handshake(rs.srv.public_key());
  c.send(tl::serialize(tl::ping{1}));
  c.expect(tl::new_session_created::id);
  c.expect(tl::pong::id);

  codec::framing inner{};
  REQUIRE(relay.framing(0, &inner) == fc.kind);
  CHECK(inner == fc.inner);
  // Handshake: req_pq_multi, req_DH_params, set_client_DH_params, then the ping.
  CHECK(relay.frame_count(0, relay_direction::to_server) >= 4);
  auto from_server = relay.frames(0, relay_direction::to_client);
  REQUIRE(from_server.size() >= 4);
  CHECK_FALSE(from_server[0].is_encrypted());  // resPQ
  CHECK(from_server.back().is_encrypted());

  REQUIRE(relay.inject(0, relay_frame::transport_error(-404)));
  auto forged = c.read_frame();
  REQUIRE(forged);
  CHECK(forged->type == codec::frame::kind::transport_error);
  CHECK(forged->error_code == -404);

  // A recorded encrypted packet still decrypts when played again.
  REQUIRE(relay.inject(0, from_server.back()));
  auto again = c.read_packet();
  REQUIRE_FALSE(again.empty());

  // The stream is still in step: the session goes on.
  CHECK(ping(c, 77) == 77);
  CHECK(relay.connections() == 1);
}

TEST_CASE("relay: a filter drops and adds frames, a cut closes both sides",
          "[server][relay]") {
  running_server rs;
  tcp_relay relay{rs.srv.port(2)};
  std::atomic<int> seen{0};
  relay.set_filter([&](size_t, size_t, relay_frame f) {
    ++seen;
    std::vector<relay_frame> out{f};
    if (f.is_encrypted())
      out.push_back(relay_frame::transport_error(-429));
    return out;
  });
  test_client c{relay.port()};
  c.handshake(rs.srv.public_key());
  CHECK(seen.load() == 3);   // resPQ, server_DH_params, dh_gen_ok: plaintext, untouched
  c.send(tl::serialize(tl::ping{1}));
  // Each encrypted packet is now followed by a forged -429.
  auto pkt = c.read_frame();
  REQUIRE(pkt);
  CHECK(pkt->type == codec::frame::kind::packet);
  auto err = c.read_frame();
  REQUIRE(err);
  CHECK(err->type == codec::frame::kind::transport_error);
  CHECK(err->error_code == -429);

  relay.cut(0);
  CHECK(c.wait_closed(5s));
  CHECK_FALSE(relay.is_open(0));
  // Still accepting: a new client gets through as connection 1.
  relay.set_filter(nullptr);
  test_client d{relay.port()};
  d.handshake(rs.srv.public_key());
  CHECK(relay.wait_for_connections(2, 5s));
}

TEST_CASE("relay: replays the packets of a closed connection into a new one",
          "[server][relay]") {
  running_server rs;
  tcp_relay relay{rs.srv.port(2)};
  auto first = std::make_unique<test_client>(relay.port());
  first->handshake(rs.srv.public_key());
  CHECK(ping(*first, 5) == 5);
  relay.cut(0);
  CHECK(first->wait_closed(5s));

  test_client second{relay.port()};
  second.continue_session(*first);
  REQUIRE(relay.wait_for_connections(2, 5s));
  // The relay knows the framing only once the client has spoken.
  CHECK(ping(second, 6) == 6);
  size_t replayed = relay.replay(0, 1);
  auto recorded = relay.frames(0, relay_direction::to_client);
  CHECK(replayed == size_t(std::count_if(recorded.begin(), recorded.end(),
                                         [](auto& f) { return f.is_encrypted(); })));
  CHECK(replayed >= 1);
  // The old pong arrives again, byte for byte decryptable with the session key.
  auto old = second.expect(tl::pong::id);
  CHECK(read_as<tl::pong>(old).ping_id == 5);
}

TEST_CASE("relay: bytes no framing starts with pass through unchanged", "[server][relay]") {
  running_server rs;
  tcp_relay relay{rs.srv.port(2)};
  test_client c{relay.port()};
  const std::string http = "GET / HTTP/1.1\r\n\r\n";
  c.send_raw(byte_view{http});
  // The server refuses the HTTP transport and closes; the relay forwarded it.
  CHECK(c.wait_closed(5s));
  REQUIRE(relay.wait_for_connections(1, 5s));
  CHECK_FALSE(relay.framing(0));
  CHECK_FALSE(relay.inject(0, relay_frame::transport_error(-404)));
}

TEST_CASE("relay: recording stops at its budget, counting goes on", "[server][relay]") {
  running_server rs;
  relay_options opts;
  opts.max_recorded_bytes = 200;   // resPQ (84 bytes) fits, the rest of the handshake does not
  tcp_relay relay{rs.srv.port(2), opts};
  test_client c{relay.port()};
  c.handshake(rs.srv.public_key());
  CHECK(ping(c, 9) == 9);
  CHECK(relay.truncated(0, relay_direction::to_client));
  auto kept = relay.frames(0, relay_direction::to_client);
  size_t bytes = 0;
  for (auto& f : kept)
    bytes += f.payload.size();
  CHECK(bytes <= 200);
  CHECK(relay.frame_count(0, relay_direction::to_client) > kept.size());
}
