// Benchmark of the local test server (tests/test_dc) as a peer: the project's
// client session talks to it over loopback TCP (intermediate framing).
//
//   ping latency     one ping in flight: µs per round trip (client + server + 2 TCP hops)
//   ping pipelined   256 pings in flight: pings/s
//   rpc pipelined    256 help.getNearestDc in flight: RPCs/s
//   getFile          512 KiB upload.getFile answers, 4 in flight: MB/s of file bytes
//
// Each figure is the median of 5 runs. The server must never be the
// bottleneck of a client benchmark; compare with bench_session's per-message
// figures to see how much of a round trip is the server's.
//
//   bench_server_roundtrip [ping|rpc|file]   # all by default
#include "mtsender/tests/bench/plain_client.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace mtsender;

namespace {

constexpr int runs = 5;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

using bench::pipelined;

byte_buffer get_file_query(int64_t offset, int32_t limit) {
  return test_dc::pattern_file_query(offset, limit);
}

} // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  auto want = [&](const char* what) { return only.empty() || only == what; };
  test_dc::server_options opts;
  opts.rsa_key = test_dc::shared_test_key();
  opts.rules.require_init_connection = false;   // raw client, bare calls
  test_dc::server srv{opts};
  srv.start();
  bench::plain_client c{srv.port(2), srv.public_key()};
  uint64_t token = 1;
  // Warm up: first exchange (new_session_created).
  c.s().ping(0);
  c.flush();
  while (c.receive() == 0) {}

  std::vector<double> lat, ping_rate, rpc_rate, file_rate;
  byte_buffer nearest(4);
  store_le32(nearest.data(), test_dc::help_get_nearest_dc_id);
  const size_t n_latency = 2000, n_pipelined = 50000, n_files = 200;
  const int32_t limit = 512 * 1024;
  for (int r = 0; r < runs; ++r) {
    if (want("ping")) {
      double t = pipelined(c, n_latency, 1, [&](size_t i) { c.s().ping(int64_t(i)); });
      lat.push_back(t / double(n_latency) * 1e6);
      t = pipelined(c, n_pipelined, 256, [&](size_t i) { c.s().ping(int64_t(i)); });
      ping_rate.push_back(double(n_pipelined) / t);
    }
    if (want("rpc")) {
      double t = pipelined(c, n_pipelined, 256, [&](size_t) { c.s().invoke(token++, nearest); });
      rpc_rate.push_back(double(n_pipelined) / t);
    }
    if (want("file")) {
      double t = pipelined(c, n_files, 4, [&](size_t i) {
        c.s().invoke(token++, get_file_query(int64_t(i) * limit, limit));
      });
      file_rate.push_back(double(n_files) * limit / t / 1e6);
    }
  }
  auto med = [](const std::vector<double>& v) { return v.empty() ? 0.0 : median(v); };
  std::printf("ping latency (1 in flight):     %8.1f us/round trip\n", med(lat));
  std::printf("ping pipelined (256 in flight): %8.0f pings/s\n", med(ping_rate));
  std::printf("rpc pipelined (256 in flight):  %8.0f rpcs/s (help.getNearestDc)\n", med(rpc_rate));
  std::printf("upload.getFile 512 KiB (4 in flight): %8.1f MB/s\n", med(file_rate));
  srv.stop();
  return 0;
}
