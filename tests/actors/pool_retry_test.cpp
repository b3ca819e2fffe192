// Retry integration through the pool: flood waits slept through, flood
// waits over the threshold or past the deadline answered at once.
#include "pool_fixture.hpp"

using namespace pool_test;

TEST_CASE("FLOOD_WAIT_1 twice then success: one answer after at least 2 s",
          "[actors][pool][retry]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, [](const test_dc::rpc_call& call) {
    if (call.call_number <= 2)
      return test_dc::rpc_reply::error(420, "FLOOD_WAIT_1");
    return test_dc::rpc_reply::result(bool_true());
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1), 20'000));
  CHECK(o.answers == 1);
  REQUIRE(o.value);
  CHECK(o.value->bytes == bool_true());
  CHECK(o.took >= 2s);
  CHECK(o.took < 6s);
  CHECK(srv.counters(2).count(custom_query_id) == 3);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->flood_waits == 2);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("FLOOD_WAIT over the threshold fails at once", "[actors][pool][retry]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(420, "FLOOD_WAIT_120");
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));  // threshold 60 s
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1), 20'000));
  CHECK(o.answers == 1);
  CHECK(is(o.err, errc::rpc_failed));
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->rpc.flood_wait_seconds() == 120);
  CHECK(detail_of(o.err)->dc_id == 2);
  CHECK(o.took < 1s);
  CHECK(srv.counters(2).count(custom_query_id) == 1);
  stop(self, pool);
}

TEST_CASE("a deadline shorter than the flood wait gets the flood error at once",
          "[actors][pool][retry]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(420, "FLOOD_WAIT_5");
  });
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  REQUIRE(this_dc_of(invoke_one(self, pool, 2, request_of(nearest_dc_query()))) == 2);
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1), 2'000));
  CHECK(o.answers == 1);
  CHECK(is(o.err, errc::rpc_failed));
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->rpc.flood_wait_seconds() == 5);
  CHECK(o.took < 1s);
  // max_retries = 0 turns retries off for one invoke, even for a short wait.
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(420, "FLOOD_WAIT_1");
  });
  auto req = request_of(custom_query(2), 20'000);
  req.options.max_retries = 0;
  auto once = invoke_one(self, pool, 2, std::move(req));
  CHECK(is(once.err, errc::rpc_failed));
  CHECK(once.took < 1s);
  stop(self, pool);
}
