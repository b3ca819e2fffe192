// bench_handshake: CPU time of one whole auth-key handshake, client against
// the server side in-process (RSA_PAD + RSA decrypt, pq factorization, four
// 2048-bit modexps, AES-IGE, hashes). Telegram's dh_prime is used, so the
// one-time safe-prime test is excluded; it is timed separately once.
//
//   bench_handshake [runs=200]
#include "mtsender/tests/support/rfc3526_prime.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/dh_params.hpp"
#include "mtsender/transport/handshake/server_handshake.hpp"
#include "mtsender/transport/hex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

int64_t cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double median(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? double(v[n / 2]) : (double(v[n / 2 - 1]) + double(v[n / 2])) / 2;
}

using test_support::rfc3526_prime;

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  auto key = std::make_shared<const crypto::rsa_private_key>(crypto::rsa_private_key::generate());
  crypto::secure_random rng;
  client_config ccfg;
  ccfg.public_keys.push_back(key->public_key());
  ccfg.dc_id = 2;
  server_config scfg;
  scfg.keys.push_back(key);

  std::vector<int64_t> total, client_only;
  std::vector<std::vector<int64_t>> client_steps(4), server_steps(3);
  total.reserve(runs);
  client_only.reserve(runs);
  for (int i = 0; i < runs + 5; ++i) {  // 5 warm-up runs
    client_handshake client{ccfg, rng};
    server_handshake server{scfg, rng};
    int64_t in_client = 0;
    const int64_t t0 = cpu_ns();
    int64_t c0 = cpu_ns();
    auto to_server = client.start();
    in_client += cpu_ns() - c0;
    if (i >= 5)
      client_steps[0].push_back(in_client);
    for (size_t step = 0;; ++step) {
      const int64_t s0 = cpu_ns();
      auto s = server.on_message(to_server, 1700000000);
      const int64_t s1 = cpu_ns();
      c0 = cpu_ns();
      auto c = client.on_message(s.send, 1700000000);
      const int64_t c1 = cpu_ns();
      in_client += c1 - c0;
      if (i >= 5 && step < 3) {
        server_steps[step].push_back(s1 - s0);
        client_steps[step + 1].push_back(c1 - c0);
      }
      if (c.status == step_status::done)
        break;
      to_server = std::move(c.send);
    }
    const int64_t t1 = cpu_ns();
    if (client.result().auth_key != server.result().auth_key)
      throw std::runtime_error("keys differ");
    if (i >= 5) {
      total.push_back(t1 - t0);
      client_only.push_back(in_client);
    }
  }
  const double med_total = median(total), med_client = median(client_only);
  std::printf("handshake (client + server, Telegram's prime): median %.0f ns/op, %.1f ops/s "
              "(%d runs)\n", med_total, 1e9 / med_total, runs);
  std::printf("handshake (client side only):                 median %.0f ns/op, %.1f ops/s\n",
              med_client, 1e9 / med_client);

  const char* client_names[] = {"start (req_pq_multi)", "resPQ -> req_DH_params",
                                "server_DH_params_ok -> set_client_DH_params", "dh_gen_ok"};
  const char* server_names[] = {"req_pq_multi -> resPQ", "req_DH_params -> server_DH_params_ok",
                                "set_client_DH_params -> dh_gen_ok"};
  for (size_t k = 0; k < 4; ++k)
    std::printf("  client %-45s median %9.0f ns\n", client_names[k], median(client_steps[k]));
  for (size_t k = 0; k < 3; ++k)
    std::printf("  server %-45s median %9.0f ns\n", server_names[k], median(server_steps[k]));

  // The one-time cost a client pays for a dh_prime it has not seen before.
  auto prime = from_hex(rfc3526_prime);
  const int64_t p0 = cpu_ns();
  bool cached = true;
  const bool safe = is_safe_prime_cached(prime, &cached);
  const int64_t p1 = cpu_ns();
  bool cached_again = false;
  const int64_t p2 = cpu_ns();
  is_safe_prime_cached(prime, &cached_again);
  const int64_t p3 = cpu_ns();
  std::printf("safe-prime test of an unknown 2048-bit prime: %.1f ms once (safe=%d, cached=%d); "
              "cached lookup %lld ns\n",
              double(p1 - p0) / 1e6, int(safe), int(cached), (long long)(p3 - p2));
  return 0;
}
