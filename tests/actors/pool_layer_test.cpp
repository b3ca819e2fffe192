// CONNECTION_LAYER_INVALID through the pool against the test DC: the request
// is sent once more with a fresh invokeWithLayer(initConnection), and a
// second refusal reaches the caller as a typed error (no loop).
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"

#include <map>
#include <mutex>

using namespace pool_test;

namespace {

bool is_rpc(const outcome& o, const std::string& name) {
  const auto* d = detail_of(o.err);
  return o.err == errc::rpc_failed && d && d->rpc.name == name;
}

} // namespace

TEST_CASE("CONNECTION_LAYER_INVALID mid-run: one re-init and one resend, then it works",
          "[actors][pool][init]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  std::mutex mu;
  std::vector<std::pair<bool, int32_t>> calls;   // per call: carried the init, its layer
  // The second call is refused as if the server had stopped serving the
  // session's layer (its init state dropped).
  srv.on(custom_query_id, [&](const test_dc::rpc_call& c) {
    {
      std::lock_guard<std::mutex> lock{mu};
      calls.emplace_back(c.init != nullptr, c.layer);
    }
    if (c.call_number == 2)
      return test_dc::rpc_reply::error(400, "CONNECTION_LAYER_INVALID");
    return test_dc::rpc_reply::result(bool_true());
  });
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto first = invoke_one(self, pool, 2, request_of(custom_query(1)));
  auto second = invoke_one(self, pool, 2, request_of(custom_query(2)));
  auto third = invoke_one(self, pool, 2, request_of(custom_query(3)));
  CHECK(first.value);
  CHECK(second.value);
  CHECK(third.value);
  std::lock_guard<std::mutex> lock{mu};
  // first (init), second (bare, refused), second again (init), third (bare)
  using call = std::pair<bool, int32_t>;
  CHECK(calls == std::vector<call>{{true, 228}, {false, 0}, {true, 228}, {false, 0}});
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a layer the test DC does not serve: resent once, then CONNECTION_LAYER_INVALID",
          "[actors][pool][init]") {
  node n;
  auto o = two_dcs();
  o.rules.max_layer = 200;   // the pool speaks 228
  test_dc::server srv{o};
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto first = invoke_one(self, pool, 2, request_of(custom_query(1)));
  CHECK(first.answers == 1);
  CHECK(is_rpc(first, "CONNECTION_LAYER_INVALID"));
  CHECK(detail_of(first.err)->rpc.code == 400);
  // Sent twice, both times inside invokeWithLayer(initConnection): no loop.
  CHECK(srv.counters(2).count(custom_query_id) == 2);
  CHECK(srv.counters(2).count(tl::init_connection_id) == 2);
  auto second = invoke_one(self, pool, 2, request_of(custom_query(2)));
  CHECK(is_rpc(second, "CONNECTION_LAYER_INVALID"));
  CHECK(srv.counters(2).count(custom_query_id) == 4);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);

  // Served when the layer is: the same calls work.
  cfg.identity.layer = 200;
  auto pool2 = spawn_dc_pool(*n.sys, cfg);
  srv.on(custom_query_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::result(bool_true()); });
  CHECK(invoke_one(self, pool2, 2, request_of(custom_query(3))).value);
  stop(self, pool2);
}
