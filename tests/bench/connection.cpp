// Benchmark of one connection actor against the test DC running in another
// process (forked before any actor system exists): RPCs per second with 1, 8,
// 64 and 512 requests in flight (64-byte bodies answered with boolTrue) and
// MB/s of 512 KiB upload.saveFilePart bodies. Median of several runs, wall
// time (the actor, the I/O thread and the server all count).
//
//   bench_connection            # prints ops/s, ns/op and MB/s
//   bench_connection --quick    # fewer requests per run
#include "mtsender/tests/bench/bench_report.hpp"
#include "mtsender/tests/bench/forked_test_dc.hpp"
#include "mtsender/tests/bench/malloc_name.hpp"
#include "mtsender/actors/connection.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace mtsender;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr uint32_t bench_query_id = 0x0be4c401;

using bench::run_result;

// Keeps `inflight` requests outstanding until `total` are answered.
struct driver_state {
  size_t sent = 0;
  size_t done = 0;
  size_t failed = 0;
  steady::time_point start;
};

caf::behavior driver(caf::stateful_actor<driver_state>* self, connection_actor conn,
                     size_t inflight, size_t total, rpc_request req,
                     std::shared_ptr<std::promise<run_result>> out) {
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [=] {
    ++self->state.sent;
    auto next = [=](bool ok) {
      auto& st = self->state;
      st.failed += !ok;
      if (++st.done == total) {
        std::chrono::duration<double> d = steady::now() - st.start;
        out->set_value(run_result{d.count(), st.failed});
        *send_one = nullptr;
        self->quit();
      } else if (st.sent < total) {
        (*send_one)();
      }
    };
    self->request(conn, 60s, invoke_atom::value, req)
      .then([=](const rpc_response&) { next(true); }, [=](caf::error&) { next(false); });
  };
  self->state.start = steady::now();
  for (size_t i = 0; i < std::min(inflight, total); ++i)
    (*send_one)();
  return {[](int32_t) {}};  // never used: the actor lives on its responses
}

run_result run(caf::actor_system& sys, const connection_actor& conn, size_t inflight,
               size_t total, const rpc_request& req) {
  auto p = std::make_shared<std::promise<run_result>>();
  auto f = p->get_future();
  sys.spawn(driver, conn, inflight, total, req, p);
  return f.get();
}

rpc_request small_request() { return bench::small_request(bench_query_id); }

} // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  auto dc = bench::forked_test_dc::start(bench_query_id);
  if (!dc)
    return 1;

  int rc = 0;
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{cfg};
    auto conn = spawn_connection(sys, dc->client_config());
    // Warm up (handshake included).
    run(sys, conn, 1, 10, small_request());

    const int runs = quick ? 3 : 5;
    std::printf("connection actor -> test DC (other process), median of %d runs, malloc: %s\n",
                runs, bench::malloc_name().c_str());
    bool ok = true;
    const auto rpc = small_request();
    for (size_t inflight : {size_t(1), size_t(8), size_t(64), size_t(512)}) {
      const size_t total = inflight == 1 ? 3000 : (quick ? 20000 : 60000);
      auto r = bench::measure(runs, double(total),
                              [&] { return run(sys, conn, inflight, total, rpc); });
      ok &= bench::print_ops("64 B RPC", inflight, r);
    }
    const auto part = bench::file_part_request();
    for (size_t inflight : {size_t(1), size_t(8)}) {
      const size_t total = quick ? 100 : 300;
      auto r = bench::measure(runs, double(total) * double(part.body.size()) / 1e6,
                              [&] { return run(sys, conn, inflight, total, part); });
      const std::string what = "512 KiB saveFilePart, " + std::to_string(inflight) + " in flight";
      ok &= bench::print_mbps(what.c_str(), r);
    }
    if (!ok)
      rc = 2;
    caf::scoped_actor self{sys};
    self->send_exit(conn, caf::exit_reason::user_shutdown);
    self->wait_for(conn);
  }
  dc->stop();
  return rc;
}
