// Benchmark of the crypto hot path: AES-256-IGE (both implementations) and a
// whole MTProto 2.0 message (msg_key, key derivation, IGE) at 64 B, 1 KiB and
// 512 KiB. Each figure is the median of 7 runs of ~50 ms, timed both by the
// wall clock and by this thread's CPU time: the build machine is shared, and
// CPU time does not count the slices another process took from us.
//
//   bench_crypto            # all
//   bench_crypto 64         # only one size
#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/factorize.hpp"
#include "mtsender/transport/crypto/message_cipher.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace mtsender;
using namespace mtsender::crypto;

namespace {

using clock_type = std::chrono::steady_clock;

volatile uint8_t sink;

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

struct timing {
  double wall_ns;  // median per call
  double cpu_ns;   // median per call
};

// Median ns per call of `op` over `runs` runs, each sized to ~target_ns.
timing median_ns(const std::function<void()>& op, int runs = 7,
                 double target_ns = 50e6) {
  // Calibrate: how many calls fill one run.
  size_t iters = 1;
  for (;;) {
    auto t0 = clock_type::now();
    for (size_t i = 0; i < iters; ++i)
      op();
    double ns = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
    if (ns > target_ns / 10 || iters > (size_t(1) << 30)) {
      iters = std::max<size_t>(1, size_t(double(iters) * target_ns / std::max(ns, 1.0)));
      break;
    }
    iters *= 4;
  }
  std::vector<double> wall, cpu;
  for (int r = 0; r < runs; ++r) {
    auto t0 = clock_type::now();
    double c0 = thread_cpu_ns();
    for (size_t i = 0; i < iters; ++i)
      op();
    double c1 = thread_cpu_ns();
    double ns = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
    wall.push_back(ns / double(iters));
    cpu.push_back((c1 - c0) / double(iters));
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

void report(const char* what, size_t size, timing t) {
  // bytes/ns * 1000 = MB/s (10^6 bytes)
  std::printf("%-28s %7zu B  cpu %11.1f ns/op %8.1f MB/s | wall %11.1f ns/op %8.1f MB/s\n",
              what, size, t.cpu_ns, double(size) / t.cpu_ns * 1e3, t.wall_ns,
              double(size) / t.wall_ns * 1e3);
}

} // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {64, 1024, 512 * 1024};
  if (argc > 1)
    sizes = {size_t(std::strtoul(argv[1], nullptr, 10))};

  secure_random rng;
  int256 key, iv;
  rng.fill(key.data(), key.size());
  rng.fill(iv.data(), iv.size());
  auth_key_bytes auth_key;
  rng.fill(auth_key.data(), auth_key.size());

  std::printf("AES-IGE best implementation here: %s\n",
              aes_ige_best_impl() == aes_impl::aes_ni ? "aes_ni" : "portable");
  for (size_t size : sizes) {
    if (size == 0 || size % 16 != 0) {
      std::fprintf(stderr, "size must be a positive multiple of 16\n");
      return 2;
    }
    byte_buffer in(size), out(size);
    rng.fill(in.data(), size);

    std::vector<std::pair<aes_impl, const char*>> impls = {{aes_impl::portable, "portable"}};
    if (aes_ige_best_impl() == aes_impl::aes_ni)
      impls.insert(impls.begin(), {aes_impl::aes_ni, "aes_ni"});
    for (auto [impl, name] : impls) {
      std::string label = std::string("aes_ige_encrypt ") + name;
      report(label.c_str(), size, median_ns([&] {
               aes_ige_encrypt(key, iv, in.data(), out.data(), size, impl);
               sink = out[0];
             }));
      label = std::string("aes_ige_decrypt ") + name;
      report(label.c_str(), size, median_ns([&] {
               aes_ige_decrypt(key, iv, in.data(), out.data(), size, impl);
               sink = out[0];
             }));
    }

    // A whole MTProto 2.0 message, as the session sends and receives it.
    message_cipher client{auth_key};
    message_cipher server{auth_key};
    byte_buffer packet;
    packet.reserve(size + 24);
    report("message encrypt (client)", size, median_ns([&] {
             packet.clear();
             client.encrypt(direction::client_to_server, in, packet);
             sink = packet[24];
           }));
    byte_buffer plain;
    plain.reserve(size);
    report("message decrypt (server)", size, median_ns([&] {
             server.decrypt(direction::client_to_server, packet, plain);
             sink = plain[0];
           }));
    if (plain != in) {
      std::fprintf(stderr, "round trip mismatch at %zu bytes\n", size);
      return 1;
    }
  }

  // The handshake's pq split (core.telegram.org/mtproto/samples-auth_key).
  auto t = median_ns([] {
    auto pq = factorize_pq(0x17ED48941A08F981ULL);
    sink = uint8_t(pq.first);
  });
  std::printf("%-28s %9s  cpu %11.1f ns/op | wall %11.1f ns/op\n", "factorize_pq (samples pq)",
              "", t.cpu_ns, t.wall_ns);
  return 0;
}
