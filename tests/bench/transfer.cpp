// Benchmark of the upload and download actors against the test DC in
// another process (forked before any actor system exists), on loopback:
//   - MB/s (10^6 bytes/s) of a 100 MiB upload from a file and of its
//     download to a file, median of 5 runs, the parts on the pool's upload /
//     download connections (4 each);
//   - p50 / p99 latency of small API calls (64 bytes, one at a time) on the
//     pool's main connections (3) with no transfer, and during the uploads
//     and downloads: connection classes keep file parts off them, so the
//     figures show what a transfer still costs an API call (CPU, loopback).
//
//   bench_transfer [--runs N] [--mib N] [--probe-apart dc|system|pool]
//
// --probe-apart tells where the small calls' wait comes from; each sends
// them through a second pool: `dc` to a second test DC process (the
// transfer's DC thread is not on their path, the client's I/O thread is),
// `system` from a second actor system to the same DC (the DC thread is on
// their path, the transfer's I/O thread is not), `pool` in the same system
// to the same DC (both are).
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/actors/download_actor.hpp"
#include "mtsender/actors/upload_actor.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/pool_stats.hpp"
#include "mtsender/tests/bench/bench_report.hpp"
#include "mtsender/tests/bench/forked_test_dc.hpp"
#include "mtsender/tests/bench/malloc_name.hpp"
#include "mtsender/tests/test_dc/file_store.hpp"
#include "mtsender/api/Document.hpp"
#include "mtsender/api/InputFileLocation.hpp"
#include "mtsender/api/account/uploadTheme.hpp"
#include "mtsender/messages/invoke.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <algorithm>
#include <string>
#include <unistd.h>
#include <vector>

using namespace mtsender;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr uint32_t bench_query_id = 0x0be4c403;
using probe_stop_atom = caf::atom_constant<caf::atom("pstop")>;
using probe_next_atom = caf::atom_constant<caf::atom("pnext")>;

// Small calls one after another until stopped; answers their latencies (µs).
struct probe_state {
  std::vector<int64_t> us;
  bool stopped = false;
  size_t failed = 0;
};
caf::behavior probe(caf::stateful_actor<probe_state>* self, dc_pool pool) {
  self->send(self, probe_next_atom::value);
  return {
    [=](probe_next_atom) {
      if (self->state.stopped)
        return;
      const auto t0 = steady::now();
      self->request(pool, 30s, invoke_atom::value, int32_t{2}, bench::small_request(bench_query_id))
        .then(
          [=](const rpc_response&) {
            self->state.us.push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0).count());
            self->send(self, probe_next_atom::value);
          },
          [=](caf::error&) {
            ++self->state.failed;
            self->send(self, probe_next_atom::value);
          });
    },
    [=](probe_stop_atom) {
      self->state.stopped = true;
      auto out = self->state.us;
      self->quit();
      return out;
    },
  };
}

struct latency {
  double p50_ms = 0;
  double p99_ms = 0;
  size_t n = 0;
};
latency percentiles(std::vector<int64_t> us) {
  latency l;
  l.n = us.size();
  if (us.empty())
    return l;
  std::sort(us.begin(), us.end());
  l.p50_ms = double(us[us.size() / 2]) / 1000.0;
  l.p99_ms = double(us[std::min(us.size() - 1, us.size() * 99 / 100)]) / 1000.0;
  return l;
}

std::vector<int64_t> collect_probe(caf::scoped_actor& self, const caf::actor& p) {
  std::vector<int64_t> us;
  self->request(p, 30s, probe_stop_atom::value)
    .receive([&](std::vector<int64_t>& v) { us = std::move(v); }, [](caf::error&) {});
  return us;
}

void print_classes(caf::scoped_actor& self, const dc_pool& pool) {
  self->request(pool, 10s, caf::get_atom::value, stats_atom::value)
    .receive(
      [&](pool_stats& st) {
        auto* d = st.dc(2);
        if (!d)
          return;
        for (auto& c : d->classes)
          std::printf("  %-8s connections: %llu opened, %llu closed idle, %llu answers\n",
                      to_string(static_cast<conn_class>(c.connection_class)),
                      static_cast<unsigned long long>(c.opened),
                      static_cast<unsigned long long>(c.idle_closed),
                      static_cast<unsigned long long>(c.answered));
      },
      [](caf::error&) {});
}

void print_latency(const char* what, const latency& l) {
  std::printf("  %-50s p50 %7.2f ms  p99 %7.2f ms  (%zu calls)\n", what, l.p50_ms, l.p99_ms, l.n);
}

} // namespace

int main(int argc, char** argv) {
  int runs = 5;
  int64_t mib = 100;
  std::string apart;
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_transfer: '%s' needs a value\n", a.c_str());
      return 2;
    }
    if (a == "--runs")
      runs = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--mib")
      mib = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--probe-apart" && (std::string{argv[i + 1]} == "dc"
                                      || std::string{argv[i + 1]} == "system"
                                      || std::string{argv[i + 1]} == "pool"))
      apart = argv[i + 1];
    else {
      std::fprintf(stderr, "bench_transfer: unknown option '%s %s'\n"
                           "usage: bench_transfer [--runs N] [--mib N] [--probe-apart dc|system|pool]\n",
                   a.c_str(), argv[i + 1]);
      return 2;
    }
  }
  auto dc = bench::forked_test_dc::start(bench_query_id);
  if (!dc)
    return 1;
  // Forked before any actor system exists, as the first.
  std::optional<bench::forked_test_dc> probe_dc;
  if (apart == "dc") {
    probe_dc = bench::forked_test_dc::start(bench_query_id);
    if (!probe_dc)
      return 1;
  }
  const int64_t size = mib << 20;
  const std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  const std::string src = dir + "/bench-transfer-src-" + std::to_string(::getpid());
  const std::string dst = dir + "/bench-transfer-dst-" + std::to_string(::getpid());
  {
    std::mt19937_64 rng{1};
    std::vector<uint64_t> block(1 << 17);
    std::ofstream f{src, std::ios::binary};
    for (int64_t at = 0; at < size; at += int64_t(block.size() * 8)) {
      for (auto& x : block)
        x = rng();
      f.write(reinterpret_cast<const char*>(block.data()),
              std::streamsize(std::min<int64_t>(int64_t(block.size() * 8), size - at)));
    }
  }
  bool ok = true;
  {
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    caf::actor_system sys{cfg};
    pool_config pc;
    pc.dcs = {{2, "127.0.0.1", dc->port}};
    pc.rsa_keys = {dc->key};
    auto pool = spawn_dc_pool(sys, pc);
    caf::scoped_actor self{sys};
    // Where the small calls go (see --probe-apart).
    std::unique_ptr<caf::actor_system_config> probe_cfg;   // outlives its system
    std::unique_ptr<caf::actor_system> probe_sys_own;
    caf::actor_system* probe_sys = &sys;
    dc_pool probe_pool = pool;
    if (!apart.empty()) {
      pool_config ppc = pc;
      if (probe_dc) {
        ppc.dcs = {{2, "127.0.0.1", probe_dc->port}};
        ppc.rsa_keys = {probe_dc->key};
      } else if (apart == "system") {
        probe_cfg = std::make_unique<caf::actor_system_config>();
        probe_cfg->load<caf::io::middleman>();
        add_message_types(*probe_cfg);
        probe_sys_own = std::make_unique<caf::actor_system>(*probe_cfg);
        probe_sys = probe_sys_own.get();
      }
      probe_pool = spawn_dc_pool(*probe_sys, ppc);
      std::printf("small calls apart: %s\n",
                  probe_dc ? "on a second test DC process"
                  : probe_sys_own ? "from a second actor system"
                                  : "through a second pool (same system, same DC)");
    }
    auto start_probe = [&] { return probe_sys->spawn(probe, probe_pool); };
    auto stop_probe = [&](const caf::actor& p) {
      caf::scoped_actor ps{*probe_sys};
      return collect_probe(ps, p);
    };

    std::printf("transfer of %lld MiB through the upload / download actors, pool of 3 main, "
                "%zu upload and %zu download connections, median of %d runs, malloc: %s:\n",
                static_cast<long long>(mib), pc.max_upload_connections,
                pc.max_download_connections, runs, bench::malloc_name().c_str());
    // Warm up: connections and the auth key.
    auto p0 = start_probe();
    std::this_thread::sleep_for(2s);
    stop_probe(p0);
    auto idle = start_probe();
    std::this_thread::sleep_for(3s);
    auto idle_lat = percentiles(stop_probe(idle));

    std::vector<int64_t> during_up, during_down;
    upload_result last;
    auto up_rate = bench::measure(runs, double(size) / 1e6, [&] {
      upload_request req;
      req.path = src;
      req.file_id = 0x5eed;   // the same id each run: the DC replaces the parts
      auto actor = spawn_upload(sys, pool, req);
      auto pr = start_probe();
      const auto t0 = steady::now();
      bench::run_result r;
      self->request(actor, 600s, file_start_atom::value)
        .receive([&](upload_result& u) { last = u; }, [&](caf::error& e) {
          std::fprintf(stderr, "upload failed: %s\n", sys.render(e).c_str());
          r.failed = 1;
        });
      r.seconds = std::chrono::duration<double>(steady::now() - t0).count();
      auto us = stop_probe(pr);
      during_up.insert(during_up.end(), us.begin(), us.end());
      return r;
    });
    ok &= bench::print_mbps("upload (saveBigFilePart, 8 parts in flight)", up_rate);

    api::account::uploadTheme q;
    q.file = api::from_bytes<api::InputFile>(last.input_file);
    q.mime_type = "application/octet-stream";
    api::document doc;
    invoke(self, pool, 2, q)
      .receive([&](api::Document& d) { doc = d.get<api::document>(); },
               [&](caf::error& e) { std::fprintf(stderr, "assemble: %s\n", sys.render(e).c_str()); });
    auto down_rate = bench::measure(runs, double(size) / 1e6, [&] {
      download_request req;
      req.location = api::to_bytes(
        api::inputDocumentFileLocation{doc.id, doc.access_hash, doc.file_reference, ""});
      req.size = doc.size;
      req.path = dst;
      auto actor = spawn_download(sys, pool, req);
      auto pr = start_probe();
      const auto t0 = steady::now();
      bench::run_result r;
      self->request(actor, 600s, file_start_atom::value)
        .receive([&](download_result& d) { r.failed = d.bytes == size ? 0 : 1; },
                 [&](caf::error& e) {
                   std::fprintf(stderr, "download failed: %s\n", sys.render(e).c_str());
                   r.failed = 1;
                 });
      r.seconds = std::chrono::duration<double>(steady::now() - t0).count();
      auto us = stop_probe(pr);
      during_down.insert(during_down.end(), us.begin(), us.end());
      return r;
    });
    ok &= bench::print_mbps("download (getFile 1 MiB, 8 parts in flight)", down_rate);
    print_latency("small calls (main class), no transfer", idle_lat);
    print_latency("small calls (main class) during the uploads", percentiles(during_up));
    print_latency("small calls (main class) during the downloads", percentiles(during_down));
    print_classes(self, pool);
    if (probe_sys_own) {
      caf::scoped_actor pself{*probe_sys_own};
      pself->send_exit(probe_pool, caf::exit_reason::user_shutdown);
      pself->wait_for(probe_pool);
    } else if (probe_pool != pool) {
      self->send_exit(probe_pool, caf::exit_reason::user_shutdown);
      self->wait_for(probe_pool);
    }
    self->send_exit(pool, caf::exit_reason::user_shutdown);
    self->wait_for(pool);
  }
  if (probe_dc)
    probe_dc->stop();
  std::remove(src.c_str());
  std::remove(dst.c_str());
  dc->stop();
  return ok ? 0 : 1;
}
