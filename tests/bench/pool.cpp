// Benchmark of the DC pool against the test DC running in another process
// (forked before any actor system exists). Four user actors keep a window of
// requests open each:
//   - RPC/s with 64 and 512 in flight in all, 64-byte bodies, through a pool
//     of 3 connections;
//   - the cost of the pool's extra hop: the same load through a pool of one
//     connection and straight to one connection actor (64 and 512 in flight);
//   - MB/s of 512 KiB upload.saveFilePart bodies, 8 in flight, through the
//     pool (3 connections) and straight to one connection actor.
// Median of several runs, wall time.
//
//   bench_pool            # prints ops/s, ns/op and MB/s
//   bench_pool --quick    # fewer requests per run
#include "mtsender/tests/bench/bench_report.hpp"
#include "mtsender/tests/bench/forked_test_dc.hpp"
#include "mtsender/tests/bench/malloc_name.hpp"
#include "mtsender/actors/connection.hpp"
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <sys/wait.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

using namespace mtsender;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr uint32_t bench_query_id = 0x0be4c402;
constexpr int users = 4;

struct user_state {
  size_t sent = 0;
  size_t done = 0;
  size_t failed = 0;
};

// One user actor: `window` requests open until `total` are answered; then
// it reports its failures.
template <class Handle>
caf::behavior user(caf::stateful_actor<user_state>* self, Handle target, size_t window,
                   size_t total, rpc_request req, std::shared_ptr<std::promise<size_t>> out) {
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [=] {
    ++self->state.sent;
    auto next = [=](bool ok) {
      auto& st = self->state;
      st.failed += !ok;
      if (++st.done == total) {
        out->set_value(st.failed);
        *send_one = nullptr;
        self->quit();
      } else if (st.sent < total) {
        (*send_one)();
      }
    };
    if constexpr (std::is_same_v<Handle, dc_pool>)
      self->request(target, 60s, invoke_atom::value, int32_t{2}, req)
        .then([=](const rpc_response&) { next(true); }, [=](caf::error&) { next(false); });
    else
      self->request(target, 60s, invoke_atom::value, req)
        .then([=](const rpc_response&) { next(true); }, [=](caf::error&) { next(false); });
  };
  for (size_t i = 0; i < std::min(window, total); ++i)
    (*send_one)();
  return {[](int32_t) {}};
}

using bench::run_result;

template <class Handle>
run_result run(caf::actor_system& sys, const Handle& target, size_t inflight, size_t total,
               const rpc_request& req) {
  std::vector<std::future<size_t>> done;
  auto start = steady::now();
  for (int u = 0; u < users; ++u) {
    auto p = std::make_shared<std::promise<size_t>>();
    done.push_back(p->get_future());
    sys.spawn(user<Handle>, target, std::max<size_t>(1, inflight / users), total / users, req, p);
  }
  run_result r;
  for (auto& f : done)
    r.failed += f.get();
  r.seconds = std::chrono::duration<double>(steady::now() - start).count();
  return r;
}

rpc_request small_request() { return bench::small_request(bench_query_id); }

template <class Handle>
bool report_rpc(caf::actor_system& sys, const Handle& h, const char* what, size_t inflight,
                size_t total, int runs) {
  const auto rpc = small_request();
  return bench::print_ops(what, inflight, bench::measure(runs, double(total), [&] {
                            return run(sys, h, inflight, total, rpc);
                          }));
}

template <class Handle>
bool report_parts(caf::actor_system& sys, const Handle& h, const char* what,
                  const rpc_request& part, size_t total, int runs) {
  const double mb = double(total) * double(part.body.size()) / 1e6;
  return bench::print_mbps(what, bench::measure(runs, mb, [&] {
                             return run(sys, h, 8, total, part);
                           }));
}

pool_config config_for(uint16_t port, const crypto::rsa_public_key& key, size_t conns) {
  pool_config pc;
  pc.dcs = {{2, "127.0.0.1", port}};
  pc.rsa_keys = {key};
  pc.max_connections = conns;
  pc.default_deadline = 60s;
  return pc;
}

} // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  auto dc = bench::forked_test_dc::start(bench_query_id);
  if (!dc)
    return 1;

  bool ok = true;
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{cfg};
    const int runs = quick ? 3 : 5;
    const size_t total = quick ? 8000 : 40000;
    std::printf("4 user actors -> test DC (other process), median of %d runs, malloc: %s\n",
                runs, bench::malloc_name().c_str());

    auto pool3 = spawn_dc_pool(sys, config_for(dc->port, dc->key, 3));
    run(sys, pool3, 64, 4000, small_request());  // warm up: key, 3 connections
    ok &= report_rpc(sys, pool3, "pool, 3 connections", 64, total, runs);
    ok &= report_rpc(sys, pool3, "pool, 3 connections", 512, total, runs);

    auto pool1 = spawn_dc_pool(sys, config_for(dc->port, dc->key, 1));
    run(sys, pool1, 64, 2000, small_request());
    ok &= report_rpc(sys, pool1, "pool, 1 connection", 64, total, runs);

    auto conn = spawn_connection(sys, dc->client_config());
    run(sys, conn, 64, 2000, small_request());
    ok &= report_rpc(sys, conn, "connection actor, no pool", 64, total, runs);
    ok &= report_rpc(sys, conn, "connection actor, no pool", 512, total, runs);

    const size_t parts = quick ? 64 : 200;
    ok &= report_parts(sys, pool3, "512 KiB saveFilePart via pool (3 conns)",
                       bench::file_part_request(), parts, runs);
    ok &= report_parts(sys, conn, "512 KiB saveFilePart, connection actor, no pool",
                       bench::file_part_request(), parts, runs);

    caf::scoped_actor self{sys};
    self->send_exit(pool3, caf::exit_reason::user_shutdown);
    self->send_exit(pool1, caf::exit_reason::user_shutdown);
    self->send_exit(conn, caf::exit_reason::user_shutdown);
    self->wait_for(pool3, pool1, conn);
  }
  dc->stop();
  return ok ? 0 : 2;
}
