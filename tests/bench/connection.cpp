// Benchmark of one connection actor against the test DC running in another
// process (forked before any actor system exists): RPCs per second with 1, 8,
// 64 and 512 requests in flight (64-byte bodies answered with boolTrue) and
// MB/s of 512 KiB upload.saveFilePart bodies. Median of several runs, wall
// time (the actor, the I/O thread and the server all count).
//
//   bench_connection            # prints ops/s, ns/op and MB/s
//   bench_connection --quick    # fewer requests per run
#include "mtsender/tests/bench/forked_test_dc.hpp"
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

struct run_result {
  double seconds = 0;
  size_t failed = 0;
};

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
    auto& st = self->state;
    ++st.sent;
    self->request(conn, 60s, invoke_atom::value, req)
      .then(
        [=](const rpc_response&) {
          auto& st = self->state;
          if (++st.done == total) {
            std::chrono::duration<double> d = steady::now() - st.start;
            out->set_value(run_result{d.count(), st.failed});
            self->quit();
          } else if (st.sent < total) {
            (*send_one)();
          }
        },
        [=](caf::error&) {
          auto& st = self->state;
          ++st.failed;
          if (++st.done == total) {
            std::chrono::duration<double> d = steady::now() - st.start;
            out->set_value(run_result{d.count(), st.failed});
            self->quit();
          } else if (st.sent < total) {
            (*send_one)();
          }
        });
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

rpc_request small_request() {
  rpc_request r;
  tl::writer w{r.body};
  w.write_uint32(bench_query_id);
  while (r.body.size() < 64)
    w.write_uint32(0x01020304);
  return r;
}

// upload.saveFilePart#b304a621 file_id:long file_part:int bytes:bytes
rpc_request file_part_request() {
  rpc_request r;
  tl::writer w{r.body};
  w.write_uint32(test_dc::upload_save_file_part_id);
  w.write_int64(0x1234);
  w.write_int32(0);
  w.write_bytes(byte_buffer(test_dc::max_file_part_size, 0x5a));
  return r;
}

} // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  auto dc = bench::forked_test_dc::start(bench_query_id);
  if (!dc)
    return 1;
  const uint16_t port = dc->port;
  const auto key = dc->key;

  int rc = 0;
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{cfg};
    connection_config cc;
    cc.dc_id = 2;
    cc.host = "127.0.0.1";
    cc.port = port;
    cc.rsa_keys.push_back(key);
    auto conn = spawn_connection(sys, cc);
    // Warm up (handshake included).
    run(sys, conn, 1, 10, small_request());

    const int runs = quick ? 3 : 5;
    std::printf("connection actor -> test DC (other process), median of %d runs\n", runs);
    for (size_t inflight : {size_t(1), size_t(8), size_t(64), size_t(512)}) {
      size_t total = inflight == 1 ? 3000 : (quick ? 20000 : 60000);
      std::vector<double> rates;
      size_t failed = 0;
      for (int i = 0; i < runs; ++i) {
        auto r = run(sys, conn, inflight, total, small_request());
        rates.push_back(double(total) / r.seconds);
        failed += r.failed;
      }
      double m = bench::median(rates);
      std::printf("  64 B RPC, %3zu in flight: %9.0f ops/s  %8.0f ns/op  (failed: %zu)\n",
                  inflight, m, 1e9 / m, failed);
      if (failed)
        rc = 2;
    }
    auto part = file_part_request();
    for (size_t inflight : {size_t(1), size_t(8)}) {
      size_t total = quick ? 100 : 300;
      std::vector<double> rates;
      size_t failed = 0;
      for (int i = 0; i < runs; ++i) {
        auto r = run(sys, conn, inflight, total, part);
        rates.push_back(double(total) * double(part.body.size()) / r.seconds / 1e6);
        failed += r.failed;
      }
      double m = bench::median(rates);
      std::printf("  512 KiB saveFilePart, %zu in flight: %7.1f MB/s  (failed: %zu)\n",
                  inflight, m, failed);
      if (failed)
        rc = 2;
    }
    caf::scoped_actor self{sys};
    self->send_exit(conn, caf::exit_reason::user_shutdown);
    self->wait_for(conn);
  }
  dc->stop();
  return rc;
}
