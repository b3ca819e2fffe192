// The project's own client session (transport/session/client_session) against
// the server: both sides of MTProto built from transport/, talking over TCP.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/tl/envelope.hpp"

#include <catch2/catch.hpp>
#include <functional>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

class system_clock_source final : public session::clock_source {
public:
  int64_t unix_time_ns() override { return testing::unix_now_ns(); }
};

// Drives a client_session over a test_client's socket until `done` holds.
struct driver {
  test_client& net;
  session::client_session& s;
  std::vector<session::event> events;
  std::vector<byte_buffer> kept;   // copies of event bodies (views die on the next packet)

  bool until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      byte_buffer out;
      while (s.next_packet(out)) {
        net.send_frame(out);
        out.clear();
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      auto f = net.read_frame(left);
      if (!f || f->type != codec::frame::kind::packet)
        return false;
      std::vector<session::event> ev;
      s.on_packet(f->payload, ev);
      for (auto& e : ev) {
        if (auto* r = std::get_if<session::rpc_result_event>(&e)) {
          kept.push_back(r->body.to_buffer());
          r->body = kept.back();
        }
        events.push_back(std::move(e));
      }
    }
    return true;
  }
  template <class E>
  const E* find(const std::function<bool(const E&)>& pred = [](const E&) { return true; }) const {
    for (auto& e : events)
      if (auto* x = std::get_if<E>(&e); x && pred(*x))
        return x;
    return nullptr;
  }
  template <class E>
  bool has() const { return find<E>() != nullptr; }
};

byte_buffer query(uint32_t id) {
  byte_buffer q;
  tl::writer{q}.write_uint32(id);
  return q;
}

} // namespace

TEST_CASE("client_session: RPC, ping, salts, state, drop, destroy", "[server][interop]") {
  running_server rs;
  rs.srv.on(0x0badf00d, [](const rpc_call&) { return rpc_reply::no_answer(); });
  test_client net = rs.connect();
  auto hs = net.handshake(rs.srv.public_key());
  system_clock_source clock;
  crypto::secure_random rnd;
  auto state = session::session_state::fresh(hs.auth_key, uint64_t(hs.server_salt), rnd);
  session::client_session s{state, clock, rnd};
  driver d{net, s, {}, {}};

  s.invoke(1, query(help_get_nearest_dc_id));
  REQUIRE(d.until([&] { return d.has<session::rpc_result_event>(); }));
  CHECK(d.has<session::new_session_event>());
  auto* r = d.find<session::rpc_result_event>();
  CHECK(r->token == 1);
  CHECK(tl::peek_constructor(r->body) == nearest_dc_id);

  s.ping(99);
  REQUIRE(d.until([&] { return d.has<session::pong_event>(); }));
  CHECK(d.find<session::pong_event>()->ping_id == 99);

  s.request_future_salts(4);
  REQUIRE(d.until([&] { return d.has<session::future_salts_event>(); }));
  CHECK(d.find<session::future_salts_event>()->count == 4);

  s.invoke(2, query(0x0badf00d));   // never answered
  s.invoke(3, query(0x12345678));   // METHOD_INVALID
  REQUIRE(d.until([&] { return d.has<session::rpc_error_event>(); }));
  auto* e = d.find<session::rpc_error_event>();
  CHECK(e->token == 3);
  CHECK(e->code == 400);
  CHECK(e->message == "METHOD_INVALID");

  REQUIRE(s.request_state({1, 2}) >= 1);
  REQUIRE(d.until([&] { return d.has<session::msg_state_event>(); }));
  auto* st = d.find<session::msg_state_event>([](auto& m) { return m.token == 2; });
  REQUIRE(st);
  CHECK(st->state.delivery == session::msg_delivery::received);
  CHECK(st->state.processing);
  CHECK_FALSE(st->state.answer_generated);

  REQUIRE(s.drop_answer(2));
  REQUIRE(d.until([&] { return d.has<session::drop_answer_event>(); }));
  CHECK(d.find<session::drop_answer_event>()->outcome == session::drop_outcome::dropped_running);

  s.destroy_session(s.session_id() + 1);
  REQUIRE(d.until([&] { return d.has<session::destroy_session_event>(); }));
  CHECK_FALSE(d.find<session::destroy_session_event>()->existed);
}

TEST_CASE("client_session recovers from a bad salt and a skewed clock", "[server][interop]") {
  auto opts = default_options();
  opts.clock_offset = 600;   // server 10 minutes ahead: the client's ids are too low (16)
  running_server rs{std::move(opts)};
  test_client net = rs.connect();
  auto hs = net.handshake(rs.srv.public_key());
  system_clock_source clock;
  crypto::secure_random rnd;
  // Salt 0 on purpose, and no time sync from the handshake.
  auto state = session::session_state::fresh(hs.auth_key, 0, rnd);
  session::client_session s{state, clock, rnd};
  driver d{net, s, {}, {}};
  s.invoke(1, query(help_get_nearest_dc_id));
  REQUIRE(d.until([&] { return d.has<session::rpc_result_event>(); }));
  CHECK(d.has<session::salt_changed_event>());
  CHECK(d.has<session::time_corrected_event>());
  auto n = rs.srv.counters();
  CHECK(n.bad_server_salts >= 1);
  CHECK(std::abs(s.time_offset_ns() / 1'000'000'000 - 600) <= 2);
}
