// Issue 14's figures in one run: the plain blocking client (no actors) and
// the actor paths against the same test DC in another process, interleaved
// round by round so that a change in the machine's load hits both sides of
// each ratio alike.
//
//   latency    one request at a time: plain, bare connection actor, pool;
//              p50 / p99 per request
//   rate       512 in flight (4 user actors): plain pipelined, bare
//              connection, pool of 1 connection, pool of 3 connections
//   parts      512 KiB upload.saveFilePart, 8 in flight: plain, pool (3)
//   cpu        user + system time of this process per request at 512 in
//              flight (the DC's process not counted)
//   heap       allocations per request, bytes per idle connection and per
//              request in flight (operator new counted, see alloc_count)
// Then each of the goals with its ratio and whether it is met.
//
// The callers use the CAF settings the README recommends and no request
// timeout, unless told otherwise.
//
//   bench_speed [--quick] [--busy-core] [--caf-defaults] [--set caf.key=value ...]
//               [--caller-timeout SECONDS|0]
//   bench_speed --serve                       # only the DC: prints port, PEM
//   bench_speed --dc PORT PEMFILE --only conn<N>|pool1_<N>|pool3_<N>|conn_lat|pool_lat COUNT
//                                             # (N in flight, e.g. conn512, pool3_64)
//                                             # one load, for callgrind
#include "mtsender/tests/bench/bench_report.hpp"
#include "mtsender/tests/bench/forked_test_dc.hpp"
#include "mtsender/tests/bench/malloc_name.hpp"
#include "mtsender/tests/bench/plain_client.hpp"
#include "mtsender/actors/connection.hpp"
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/messages/add_message_types.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <malloc.h>
#include <map>
#include <new>
#include <sstream>
#include <string>
#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>
#include <type_traits>
#include <vector>

// ------------------------------------------------------------ heap counting
// Every operator new of the process is counted (CAF's, ours, the standard
// library's); OpenSSL's and libc's own mallocs are not. Each thread counts
// in its own block, with plain loads and stores: shared atomic counters put
// a contended read-modify-write on every allocation, which cost the
// multi-threaded actor loads about 12% CPU and 7% rate (measured), and
// would have been charged to the library. Readers sum the blocks; a block
// outlives its thread so that nothing counted is lost.
namespace alloc_count {
struct block {
  std::atomic<uint64_t> calls{0};
  std::atomic<int64_t> live{0};
  block* next = nullptr;
};
std::atomic<block*> blocks{nullptr};

block& mine() {
  static thread_local block* b = [] {
    auto* fresh = static_cast<block*>(std::malloc(sizeof(block)));  // not counted
    new (fresh) block{};
    fresh->next = blocks.load();
    while (!blocks.compare_exchange_weak(fresh->next, fresh)) {
    }
    return fresh;
  }();
  return *b;
}

// Only the owning thread writes a block: no read-modify-write needed.
template <class T>
void bump(std::atomic<T>& v, T d) {
  v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
}

uint64_t calls() {
  uint64_t n = 0;
  for (auto* b = blocks.load(); b; b = b->next)
    n += b->calls.load(std::memory_order_relaxed);
  return n;
}

int64_t live() {
  int64_t n = 0;
  for (auto* b = blocks.load(); b; b = b->next)
    n += b->live.load(std::memory_order_relaxed);
  return n;
}
} // namespace alloc_count

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p)
    throw std::bad_alloc{};
  auto& b = alloc_count::mine();
  alloc_count::bump(b.calls, uint64_t{1});
  alloc_count::bump(b.live, int64_t(malloc_usable_size(p)));
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept {
  if (!p)
    return;
  alloc_count::bump(alloc_count::mine().live, -int64_t(malloc_usable_size(p)));
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

using namespace mtsender;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr uint32_t bench_query_id = 0x0be4c403;

rpc_request small_request() { return bench::small_request(bench_query_id); }

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
         + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// What one load measured.
struct sample {
  double seconds = 0;
  double cpu = 0;          // process CPU seconds
  uint64_t allocs = 0;     // operator new calls
  int64_t peak_extra = 0;  // highest live heap seen during the load, above its start
  size_t failed = 0;
  std::vector<double> latencies_us;  // one-at-a-time loads only
};

// Brackets a load: wall, CPU and heap counters.
struct meter {
  steady::time_point t0 = steady::now();
  double cpu0 = cpu_seconds();
  uint64_t a0 = alloc_count::calls();
  sample finish(sample s) const {
    s.seconds = std::chrono::duration<double>(steady::now() - t0).count();
    s.cpu = cpu_seconds() - cpu0;
    s.allocs = alloc_count::calls() - a0;
    return s;
  }
};

std::atomic<int64_t> peak_live{0};

// The user actors' CAF request timeout. None by default, as the README
// advises for a local caller (the pool and the connection answer every
// request by its deadline anyway); --caller-timeout S sets one.
caf::duration caller_timeout = caf::infinite;

// The callers' CAF settings the README recommends (section "Speed: what the
// caller's settings cost"); --caf-defaults measures without them.
bool recommended_settings = true;

// Sampled every 64th answer of each caller: summing the blocks reads every
// thread's counters, too costly per answer, and the load is steady.
void note_live() {
  auto v = alloc_count::live();
  auto p = peak_live.load(std::memory_order_relaxed);
  while (v > p && !peak_live.compare_exchange_weak(p, v, std::memory_order_relaxed)) {
  }
}

// ---------------------------------------------------------------- the plain client

sample plain_rate(bench::plain_client& c, size_t total, size_t depth, const byte_buffer& body) {
  static uint64_t token = 1;
  meter m;
  bench::pipelined(c, total, depth, [&](size_t) { c.s().invoke(token++, body); });
  return m.finish({});
}

sample plain_latency(bench::plain_client& c, size_t total, const byte_buffer& body) {
  static uint64_t token = uint64_t{1} << 40;
  sample s;
  s.latencies_us.reserve(total);
  meter m;
  for (size_t i = 0; i < total; ++i) {
    auto t = steady::now();
    c.s().invoke(token++, body);
    c.flush();
    while (c.receive() == 0) {
    }
    s.latencies_us.push_back(std::chrono::duration<double, std::micro>(steady::now() - t).count());
  }
  return m.finish(std::move(s));
}

// ---------------------------------------------------------------- actor loads

struct user_state {
  size_t sent = 0;
  size_t done = 0;
  size_t failed = 0;
  std::vector<double> lat;
};

struct user_result {
  size_t failed = 0;
  std::vector<double> latencies_us;
};

// `window` requests open until `total` are answered, each timed.
template <class Handle>
caf::behavior user(caf::stateful_actor<user_state>* self, Handle target, size_t window,
                   size_t total, rpc_request req, bool timed,
                   std::shared_ptr<std::promise<user_result>> out) {
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [=] {
    ++self->state.sent;
    auto t0 = timed ? steady::now() : steady::time_point{};
    auto next = [=](bool ok) {
      auto& st = self->state;
      if (timed)
        st.lat.push_back(std::chrono::duration<double, std::micro>(steady::now() - t0).count());
      else if (st.done % 64 == 0)
        note_live();
      st.failed += !ok;
      if (++st.done == total) {
        out->set_value(user_result{st.failed, std::move(st.lat)});
        *send_one = nullptr;
        self->quit();
      } else if (st.sent < total) {
        (*send_one)();
      }
    };
    if constexpr (std::is_same_v<Handle, dc_pool>)
      self->request(target, caller_timeout, invoke_atom::value, int32_t{2}, req)
        .then([=](const rpc_response&) { next(true); }, [=](caf::error&) { next(false); });
    else
      self->request(target, caller_timeout, invoke_atom::value, req)
        .then([=](const rpc_response&) { next(true); }, [=](caf::error&) { next(false); });
  };
  for (size_t i = 0; i < std::min(window, total); ++i)
    (*send_one)();
  return {[](int32_t) {}};
}

// `users` actors share `inflight` and `total`.
template <class Handle>
sample actor_load(caf::actor_system& sys, const Handle& target, size_t inflight, size_t total,
                  const rpc_request& req, int users, bool timed) {
  std::vector<std::future<user_result>> done;
  peak_live = alloc_count::live();
  const int64_t live0 = peak_live.load();
  meter m;
  for (int u = 0; u < users; ++u) {
    auto p = std::make_shared<std::promise<user_result>>();
    done.push_back(p->get_future());
    sys.spawn(user<Handle>, target, std::max<size_t>(1, inflight / size_t(users)),
              total / size_t(users), req, timed, p);
  }
  sample s;
  for (auto& f : done) {
    auto r = f.get();
    s.failed += r.failed;
    s.latencies_us.insert(s.latencies_us.end(), r.latencies_us.begin(), r.latencies_us.end());
  }
  s = m.finish(std::move(s));
  s.peak_extra = peak_live.load() - live0;
  return s;
}

pool_config config_for(uint16_t port, const crypto::rsa_public_key& key, size_t conns) {
  pool_config pc;
  pc.dcs = {{2, "127.0.0.1", port}};
  pc.rsa_keys = {key};
  pc.max_connections = conns;
  pc.default_deadline = 60s;
  return pc;
}

connection_config conn_config(uint16_t port, const crypto::rsa_public_key& key) {
  connection_config c;
  c.dc_id = 2;
  c.host = "127.0.0.1";
  c.port = port;
  c.rsa_keys.push_back(key);
  return c;
}

// ---------------------------------------------------------------- reporting

double percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// Samples of one named load over all rounds.
struct series {
  std::vector<sample> runs;
  double units = 0;  // requests (or MB) per run
  size_t requests = 0;
  double rate() const {
    std::vector<double> r;
    for (auto& s : runs)
      r.push_back(units / s.seconds);
    return bench::median(r);
  }
  double med(double sample::*f) const {
    std::vector<double> r;
    for (auto& s : runs)
      r.push_back(s.*f);
    return bench::median(r);
  }
  double cpu_us_per_req() const {
    std::vector<double> r;
    for (auto& s : runs)
      r.push_back(s.cpu / double(requests) * 1e6);
    return bench::median(r);
  }
  double allocs_per_req() const {
    std::vector<double> r;
    for (auto& s : runs)
      r.push_back(double(s.allocs) / double(requests));
    return bench::median(r);
  }
  // p50 / p99 of each run, median over runs.
  double pct(double q) const {
    std::vector<double> r;
    for (auto& s : runs)
      r.push_back(percentile(s.latencies_us, q));
    return bench::median(r);
  }
  size_t failed() const {
    size_t n = 0;
    for (auto& s : runs)
      n += s.failed;
    return n;
  }
};

bool goal(const char* what, double ratio, const char* cmp, double target) {
  const bool met = std::strcmp(cmp, "<=") == 0 ? ratio <= target : ratio >= target;
  std::printf("  %-52s %6.2f  (goal %s %.2f)  %s\n", what, ratio, cmp, target,
              met ? "met" : "NOT met");
  return met;
}

// `--set key=value`: integers, or durations with a unit (us, ms).
void apply_set(caf::actor_system_config& cfg, const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos)
    return;
  auto key = kv.substr(0, eq);
  auto val = kv.substr(eq + 1);
  if (val.size() > 2 && (val.substr(val.size() - 2) == "us" || val.substr(val.size() - 2) == "ms")) {
    auto n = std::stoll(val.substr(0, val.size() - 2));
    cfg.set(key, caf::timespan{val.back() == 's' && val[val.size() - 2] == 'u' ? n * 1000
                                                                               : n * 1000000});
  } else {
    cfg.set(key, static_cast<int64_t>(std::stoll(val)));
  }
}

void make_config(caf::actor_system_config& cfg, const std::vector<std::string>& sets) {
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 2);
  if (recommended_settings)
    cfg.set("work-stealing.moderate-poll-attempts", 0);
  for (auto& s : sets)
    apply_set(cfg, s);
}

// Memory of one burst of 512 requests in a fresh actor system: its I/O
// thread's node caches (transport/recycling_allocator.hpp) start empty, so
// the nodes the burst takes count as the requests' own, and what is still
// held once the burst is answered (caches, grown tables) is reported apart.
struct burst_memory {
  double per_request = 0;  // peak live heap during the burst / 512
  int64_t kept = 0;        // live heap after the burst, idle, above before it
};

template <class Spawn>
burst_memory measure_burst(const std::vector<std::string>& sets, Spawn spawn,
                           const rpc_request& req) {
  caf::actor_system_config cfg;
  make_config(cfg, sets);
  caf::actor_system sys{cfg};
  auto target = spawn(sys);
  actor_load(sys, target, 1, 50, req, 1, false);  // connected, key and session ready
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  burst_memory out;
  const int64_t before = alloc_count::live();
  auto s = actor_load(sys, target, 512, 512 * 8, req, 4, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  out.per_request = double(s.peak_extra) / 512.0;
  out.kept = alloc_count::live() - before;
  caf::scoped_actor self{sys};
  self->send_exit(target, caf::exit_reason::user_shutdown);
  self->wait_for(target);
  return out;
}

// A single load against an already running DC, for callgrind: prints the
// operator-new calls per request.
int profile_one(uint16_t port, const crypto::rsa_public_key& key, const std::string& what,
                size_t total, const std::vector<std::string>& sets) {
  caf::actor_system_config cfg;
  make_config(cfg, sets);
  caf::actor_system sys{cfg};
  const auto req = small_request();
  sample s;
  caf::actor victim;
  // conn<N>, pool1_<N>, pool3_<N>: N requests in flight; or conn_lat, pool_lat.
  const size_t digits = what.find_last_not_of("0123456789") + 1;
  const std::string kind = what.substr(0, digits);
  const size_t in_flight = digits < what.size() ? std::stoul(what.substr(digits)) : 1;
  const bool loaded = digits < what.size() && in_flight > 0;
  if (!(loaded && (kind == "conn" || kind == "pool1_" || kind == "pool3_"))
      && what != "conn_lat" && what != "pool_lat") {
    std::fprintf(stderr, "--only %s: not a load (conn<N>, pool1_<N>, pool3_<N>, conn_lat, "
                         "pool_lat)\n", what.c_str());
    return 2;
  }
  if (kind == "conn") {
    auto conn = spawn_connection(sys, conn_config(port, key));
    actor_load(sys, conn, 64, 2000, req, 4, false);
    caf::scoped_actor asker{sys};
    connection_stats before, after;
    asker->request(conn, caf::infinite, caf::get_atom::value, stats_atom::value)
      .receive([&](const connection_stats& x) { before = x; }, [](caf::error&) {});
    s = actor_load(sys, conn, in_flight, total, req, 4, false);
    asker->request(conn, caf::infinite, caf::get_atom::value, stats_atom::value)
      .receive([&](const connection_stats& x) { after = x; }, [](caf::error&) {});
    std::printf("%s: %.1f requests per frame sent, %.1f per frame received\n", what.c_str(),
                double(total) / double(after.frames_sent - before.frames_sent),
                double(total) / double(after.frames_received - before.frames_received));
    victim = caf::actor_cast<caf::actor>(conn);
  } else if (what == "conn_lat") {
    auto conn = spawn_connection(sys, conn_config(port, key));
    actor_load(sys, conn, 1, 200, req, 1, true);
    s = actor_load(sys, conn, 1, total, req, 1, true);
    victim = caf::actor_cast<caf::actor>(conn);
  } else {
    const size_t conns = kind == "pool3_" ? 3 : 1;
    auto pool = spawn_dc_pool(sys, config_for(port, key, conns));
    const bool lat = what == "pool_lat";
    actor_load(sys, pool, lat ? 1 : 64, 2000, req, lat ? 1 : 4, lat);
    s = actor_load(sys, pool, lat ? 1 : in_flight, total, req, lat ? 1 : 4, lat);
    victim = caf::actor_cast<caf::actor>(pool);
  }
  std::printf("malloc: %s\n", bench::malloc_name().c_str());
  std::printf("%s: %zu requests, %.2f s, %.1f allocations per request, %.2f us CPU per request,"
              " failed %zu\n",
              what.c_str(), total, s.seconds, double(s.allocs) / double(total),
              s.cpu / double(total) * 1e6, s.failed);
  caf::scoped_actor self{sys};
  self->send_exit(victim, caf::exit_reason::user_shutdown);
  self->wait_for(victim);
  return s.failed == 0 ? 0 : 2;
}

// --busy-core: a child process spins on one core for the whole run, the
// issue's "one core kept busy by an unrelated loop" (a process of its own,
// so its CPU time is not counted as the client's). It dies with us.
pid_t start_spinner() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    volatile uint64_t x = 0;
    for (;;)
      x = x + 1;
  }
  return pid;
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false;
  pid_t spinner = -1;
  std::vector<std::string> sets;
  std::string only;
  size_t only_n = 0;
  uint16_t dc_port = 0;
  std::string pem_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--caf-defaults")
      recommended_settings = false;
    else if (a == "--busy-core")
      spinner = start_spinner();
    else if (a == "--caller-timeout" && i + 1 < argc) {
      auto secs = std::stoi(argv[++i]);
      caller_timeout = secs > 0 ? caf::duration{std::chrono::seconds(secs)} : caf::infinite;
    } else if (a == "--set" && i + 1 < argc)
      sets.push_back(argv[++i]);
    else if (a == "--only" && i + 2 < argc) {
      only = argv[++i];
      only_n = std::stoul(argv[++i]);
    } else if (a == "--dc" && i + 2 < argc) {
      dc_port = static_cast<uint16_t>(std::stoi(argv[++i]));
      pem_file = argv[++i];
    } else if (a == "--serve") {
      auto dc = bench::forked_test_dc::start(bench_query_id);
      if (!dc)
        return 1;
      std::printf("%u\n%s", unsigned(dc->port), dc->key.to_pem().c_str());
      std::fflush(stdout);
      std::string line;
      while (std::getline(std::cin, line)) {  // serves until stdin closes
      }
      dc->stop();
      return 0;
    } else {
      std::fprintf(stderr,
                   "bench_speed: unknown or incomplete option '%s'\n"
                   "usage: bench_speed [--quick] [--busy-core] [--caf-defaults]"
                   " [--caller-timeout S] [--set KEY=VALUE]...\n"
                   "       bench_speed --serve\n"
                   "       bench_speed --dc PORT PEM --only NAME N [--set KEY=VALUE]...\n",
                   a.c_str());
      return 2;
    }
  }
  if (!only.empty()) {
    if (pem_file.empty()) {
      std::fprintf(stderr, "bench_speed: --only needs --dc PORT PEM (a --serve DC)\n");
      return 2;
    }
    std::ifstream in(pem_file);
    std::stringstream pem;
    pem << in.rdbuf();
    return profile_one(dc_port, crypto::rsa_public_key::from_pem(pem.str()), only, only_n, sets);
  }

  auto dc = bench::forked_test_dc::start(bench_query_id);
  if (!dc)
    return 1;
  const int rounds = quick ? 3 : 5;
  const size_t lat_n = quick ? 1000 : 3000;
  const size_t rate_n = quick ? 20000 : 60000;
  const size_t part_n = quick ? 48 : 160;
  const auto req = small_request();
  const auto part = bench::file_part_request();
  const double part_mb = double(part.body.size()) / 1e6;

  std::map<std::string, series> m;
  auto add = [&](const std::string& k, double units, size_t requests, sample s) {
    auto& x = m[k];
    x.units = units;
    x.requests = requests;
    x.runs.push_back(std::move(s));
  };

  bool ok = true;
  int64_t idle_conn_bytes = 0, idle_pool3_bytes = 0;
  {
    bench::plain_client plain{dc->port, dc->key};
    plain_latency(plain, 100, req.body);  // new_session_created, warm caches

    caf::actor_system_config cfg;
    make_config(cfg, sets);
    caf::actor_system sys{cfg};

    auto pool3 = spawn_dc_pool(sys, config_for(dc->port, dc->key, 3));
    auto pool1 = spawn_dc_pool(sys, config_for(dc->port, dc->key, 1));
    actor_load(sys, pool3, 64, 4000, req, 4, false);  // key, 3 connections up
    actor_load(sys, pool1, 64, 2000, req, 4, false);
    std::this_thread::sleep_for(200ms);
    {
      // Bytes per idle connection: the heap a connection holds once it has
      // answered its warm-up requests and gone quiet.
      const int64_t before = alloc_count::live();
      auto probe = spawn_connection(sys, conn_config(dc->port, dc->key));
      actor_load(sys, probe, 8, 200, req, 1, false);
      std::this_thread::sleep_for(200ms);
      idle_conn_bytes = alloc_count::live() - before;
      caf::scoped_actor self{sys};
      self->send_exit(probe, caf::exit_reason::user_shutdown);
      self->wait_for(probe);
      const int64_t before_pool = alloc_count::live();
      auto probe_pool = spawn_dc_pool(sys, config_for(dc->port, dc->key, 3));
      actor_load(sys, probe_pool, 64, 2000, req, 4, false);
      std::this_thread::sleep_for(200ms);
      idle_pool3_bytes = alloc_count::live() - before_pool;
      self->send_exit(probe_pool, caf::exit_reason::user_shutdown);
      self->wait_for(probe_pool);
    }
    auto conn = spawn_connection(sys, conn_config(dc->port, dc->key));
    actor_load(sys, conn, 64, 2000, req, 4, false);

    std::printf("issue 14 figures: 4 user actors (1 for latency) -> test DC in another "
                "process, %d rounds, loads interleaved\n",
                rounds);
    std::printf("machine: %s\n", spinner > 0 ? "one core kept busy by a spinning process (--busy-core)"
                                              : "nothing else started by this program");
    std::printf("malloc: %s\n", bench::malloc_name().c_str());
    std::printf("callers: %s, request timeout %s\n",
                recommended_settings ? "work-stealing.moderate-poll-attempts=0 (README)"
                                     : "CAF's default scheduler settings",
                caller_timeout.valid() ? "set" : "none");
    for (int r = 0; r < rounds; ++r) {
      add("plain_lat", double(lat_n), lat_n, plain_latency(plain, lat_n, req.body));
      add("conn_lat", double(lat_n), lat_n, actor_load(sys, conn, 1, lat_n, req, 1, true));
      add("pool_lat", double(lat_n), lat_n, actor_load(sys, pool3, 1, lat_n, req, 1, true));
      add("plain_512", double(rate_n), rate_n, plain_rate(plain, rate_n, 512, req.body));
      add("conn_512", double(rate_n), rate_n, actor_load(sys, conn, 512, rate_n, req, 4, false));
      add("pool1_512", double(rate_n), rate_n, actor_load(sys, pool1, 512, rate_n, req, 4, false));
      add("pool3_512", double(rate_n), rate_n, actor_load(sys, pool3, 512, rate_n, req, 4, false));
      add("pool3_64", double(rate_n), rate_n, actor_load(sys, pool3, 64, rate_n, req, 4, false));
      add("pool1_64", double(rate_n), rate_n, actor_load(sys, pool1, 64, rate_n, req, 4, false));
      add("conn_64", double(rate_n), rate_n, actor_load(sys, conn, 64, rate_n, req, 4, false));
      add("plain_parts", double(part_n) * part_mb, part_n,
          plain_rate(plain, part_n, 8, part.body));
      add("pool_parts", double(part_n) * part_mb, part_n,
          actor_load(sys, pool3, 8, part_n, part, 4, false));
      add("conn_parts", double(part_n) * part_mb, part_n,
          actor_load(sys, conn, 8, part_n, part, 4, false));
    }
    caf::scoped_actor self{sys};
    self->send_exit(pool3, caf::exit_reason::user_shutdown);
    self->send_exit(pool1, caf::exit_reason::user_shutdown);
    self->send_exit(conn, caf::exit_reason::user_shutdown);
    self->wait_for(pool3, pool1, conn);
  }
  const auto conn_burst = measure_burst(
    sets, [&](caf::actor_system& sys) { return spawn_connection(sys, conn_config(dc->port, dc->key)); },
    req);
  const auto pool_burst = measure_burst(
    sets, [&](caf::actor_system& sys) { return spawn_dc_pool(sys, config_for(dc->port, dc->key, 3)); },
    req);
  dc->stop();

  for (auto& [k, s] : m)
    if (s.failed() != 0) {
      std::printf("  %s: %zu requests failed\n", k.c_str(), s.failed());
      ok = false;
    }
  auto lat = [&](const char* k, const char* what) {
    std::printf("  %-44s p50 %7.1f us  p99 %7.1f us\n", what, m[k].pct(0.5), m[k].pct(0.99));
  };
  auto rate = [&](const char* k, const char* what) {
    std::printf("  %-44s %9.0f req/s  %5.2f us CPU/req  %5.1f allocs/req\n", what, m[k].rate(),
                m[k].cpu_us_per_req(), m[k].allocs_per_req());
  };
  std::printf("one request at a time (64-byte body)\n");
  lat("plain_lat", "plain blocking client");
  lat("conn_lat", "connection actor, no pool");
  lat("pool_lat", "pool, 3 connections");
  std::printf("in flight (64-byte bodies; CPU = this process, user + system)\n");
  rate("plain_512", "plain client pipelined, 512 in flight");
  rate("conn_512", "connection actor, 512 in flight");
  rate("pool1_512", "pool, 1 connection, 512 in flight");
  rate("pool3_512", "pool, 3 connections, 512 in flight");
  rate("conn_64", "connection actor, 64 in flight");
  rate("pool1_64", "pool, 1 connection, 64 in flight");
  rate("pool3_64", "pool, 3 connections, 64 in flight");
  std::printf("512 KiB upload.saveFilePart, 8 in flight\n");
  std::printf("  %-44s %7.1f MB/s\n", "plain client", m["plain_parts"].rate());
  std::printf("  %-44s %7.1f MB/s\n", "pool, 3 connections", m["pool_parts"].rate());
  std::printf("  %-44s %7.1f MB/s\n", "connection actor, no pool", m["conn_parts"].rate());
  std::printf("memory (live operator-new heap)\n");
  std::printf("  %-44s %7lld bytes\n", "one idle connection actor", (long long)idle_conn_bytes);
  std::printf("  %-44s %7lld bytes\n", "idle pool of 3 connections, per connection",
              (long long)(idle_pool3_bytes / 3));
  std::printf("  %-44s %7.0f bytes\n", "per request in flight (connection, 512)",
              conn_burst.per_request);
  std::printf("  %-44s %7.0f bytes\n", "per request in flight (pool 3, 512)",
              pool_burst.per_request);
  std::printf("  %-44s %7lld bytes\n", "kept after 512 answered (connection)",
              (long long)conn_burst.kept);
  std::printf("  %-44s %7lld bytes\n", "kept after 512 answered (pool 3)",
              (long long)pool_burst.kept);

  std::printf("goals (ratios of medians from this run)\n");
  const double plain_p50 = m["plain_lat"].pct(0.5);
  goal("pool p50 / plain p50, 1 at a time", m["pool_lat"].pct(0.5) / plain_p50, "<=", 1.8);
  goal("pool p99 / plain p50, 1 at a time", m["pool_lat"].pct(0.99) / plain_p50, "<=", 4.0);
  std::printf("  %-52s %6.2f\n", "(pool p99 / plain p99)",
              m["pool_lat"].pct(0.99) / m["plain_lat"].pct(0.99));
  const double conn = m["conn_512"].rate();
  goal("connection / plain pipelined, 512 in flight", conn / m["plain_512"].rate(), ">=", 0.6);
  goal("pool(1) / connection, 512 in flight", m["pool1_512"].rate() / conn, ">=", 0.9);
  goal("pool(3) / connection, 512 in flight", m["pool3_512"].rate() / conn, ">=", 1.0);
  goal("pool parts / plain parts, 512 KiB", m["pool_parts"].rate() / m["plain_parts"].rate(), ">=",
       0.9);
  goal("pool(1) / connection, 64 in flight", m["pool1_64"].rate() / m["conn_64"].rate(), ">=", 0.9);
  std::printf("  %-52s %6.2f us (aim 1.5)\n", "client CPU per RPC, pool 3, 512 in flight",
              m["pool3_512"].cpu_us_per_req());
  if (spinner > 0) {
    ::kill(spinner, SIGKILL);
    ::waitpid(spinner, nullptr, 0);
  }
  return ok ? 0 : 2;
}
