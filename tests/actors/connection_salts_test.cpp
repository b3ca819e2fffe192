// A server that answers get_future_salts with rpc_error (some do): the
// connection takes it as the refusal it is (not a malformed message) and
// stops asking that server for a while instead of every ping interval.
#include "connection_fixture.hpp"

#include "mtsender/transport/tl/service_types.hpp"

using namespace conn_test;

TEST_CASE("get_future_salts answered with rpc_error is not asked again every ping",
          "[actors][connection][salts]") {
  node n;
  test_dc::server srv{dc_options()};
  test_dc::fault_plan f;
  f.refuse_future_salts = true;
  srv.set_faults(f);
  srv.start();
  caf::scoped_actor self{*n.sys};
  auto cfg = make_config(srv, self);
  // Pings (and with them salt refreshes) every 100 ms.
  cfg.timeouts.ping_interval = 100ms;
  cfg.timeouts.dead_after = 10s;
  auto conn = spawn_connection(*n.sys, cfg);
  auto first = invoke_one(self, conn, request_of(nearest_dc_query()));
  CHECK(first.value);
  // Twenty ping intervals: each one would have asked again.
  std::this_thread::sleep_for(2s);
  auto again = invoke_one(self, conn, request_of(nearest_dc_query()));
  CHECK(again.value);
  CHECK(srv.counters(2).count(tl::get_future_salts::id) == 1);
  CHECK(srv.counters(2).count(tl::ping_delay_disconnect::id) >= 5);
  connection_stats st;
  self->request(conn, 5s, caf::get_atom::value, stats_atom::value)
    .receive([&](connection_stats& s) { st = s; }, [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(st.salts_refused == 1);
  CHECK(st.messages_ignored == 0);  // the refusal is not a malformed message
  stop(self, conn);
  parent_log log;
  drain(self, log);
}
