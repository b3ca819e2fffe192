// What a user's own test looks like: a Catch2 test starts a real MTProto
// server in-process (mtsender::test_dc, from find_package(mtsender COMPONENTS
// test_dc)), points a DC pool at it and checks what the "bot" gets back:
// an answer from a built-in method, an RPC error the test makes the server
// send, and an answer from the test's own handler.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <mtsender/actors/dc_pool.hpp>
#include <mtsender/messages/add_message_types.hpp>
#include <mtsender/messages/error.hpp>
#include <mtsender/tests/test_dc/builtin_methods.hpp>
#include <mtsender/tests/test_dc/server.hpp>
#include <mtsender/transport/tl/reader.hpp>
#include <mtsender/transport/tl/writer.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using namespace mtsender;

namespace {

constexpr uint32_t help_get_nearest_dc = 0x1fb33026;
constexpr uint32_t my_method = 0x0badcafe;   // a method only this test knows

rpc_request call(uint32_t method) {
  rpc_request req;
  tl::writer{req.body}.write_uint32(method);
  req.options.deadline_ms = 10'000;
  return req;
}

struct answer {
  bool ok = false;
  byte_buffer bytes;
  caf::error err;
};

answer invoke(caf::scoped_actor& self, const dc_pool& pool, rpc_request req) {
  answer a;
  self->request(pool, 30s, invoke_atom::value, int32_t{2}, std::move(req))
    .receive([&](rpc_response& r) { a.ok = true; a.bytes = std::move(r.bytes); },
             [&](caf::error& e) { a.err = std::move(e); });
  return a;
}

} // namespace

TEST_CASE("a bot talks to a real MTProto server started by its test") {
  test_dc::server_options so;                 // DC 2 on 127.0.0.1, a free port
  so.rsa_key = test_dc::shared_test_key();
  so.country = "NL";
  test_dc::server srv{so};
  srv.start();
  srv.on(my_method, [](const test_dc::rpc_call& c) {
    if (c.call_number == 1)
      return test_dc::rpc_reply::error(400, "MESSAGE_EMPTY");
    byte_buffer answer;
    tl::writer{answer}.write_uint32(0x997275b5);   // boolTrue
    return test_dc::rpc_reply::result(answer);
  });

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  pool_config pc;
  pc.dcs = {{2, srv.host(2), srv.port(2)}};
  pc.rsa_keys = {srv.public_key()};
  dc_pool pool = spawn_dc_pool(sys, pc);
  // The pool lives until it gets an exit message; a failed REQUIRE must not
  // leave the actor system waiting for it.
  struct stop_pool {
    caf::scoped_actor& self;
    dc_pool& pool;
    ~stop_pool() { self->send_exit(pool, caf::exit_reason::user_shutdown); }
  } stop{self, pool};

  // A built-in method, through the pool's real handshake and session.
  auto nearest = invoke(self, pool, call(help_get_nearest_dc));
  INFO(sys.render(nearest.err));
  REQUIRE(nearest.ok);
  tl::reader r{nearest.bytes};
  CHECK(r.read_uint32("constructor") == test_dc::nearest_dc_id);
  CHECK(r.read_string("country") == "NL");
  CHECK(r.read_int32("this_dc") == 2);

  // The test's own handler: first an RPC error, then an answer.
  auto refused = invoke(self, pool, call(my_method));
  REQUIRE_FALSE(refused.ok);
  CHECK(refused.err == errc::rpc_failed);
  const error_detail* d = detail_of(refused.err);
  REQUIRE(d != nullptr);
  CHECK(d->rpc.code == 400);
  CHECK(d->rpc.name == "MESSAGE_EMPTY");

  auto second = invoke(self, pool, call(my_method));
  INFO(sys.render(second.err));
  REQUIRE(second.ok);
  tl::reader r2{second.bytes};
  CHECK(r2.read_uint32("constructor") == 0x997275b5);
  CHECK(srv.counters().count(my_method) == 2);
}
