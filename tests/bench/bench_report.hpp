// Measuring and printing for the actor benchmarks (bench_connection,
// bench_pool): run one load several times, take the median rate, sum the
// failed requests, print one line.
//
//   auto r = bench::measure(runs, double(total), [&] { return run(...); });
//   ok &= bench::print_ops("pool, 3 connections", 64, r);   // ops/s and ns/op
//   ok &= bench::print_mbps("512 KiB saveFilePart", r);      // units were MB
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <vector>

namespace mtsender::bench {

// One run of a load: its wall time and how many of its requests failed.
struct run_result {
  double seconds = 0;
  size_t failed = 0;
};

// The median of several runs: units per second, and failures summed.
struct rate {
  double median = 0;
  size_t failed = 0;
};

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Calls `run_once` (returning run_result) `runs` times; each run moves
// `units` (requests, or megabytes).
template <class Run>
rate measure(int runs, double units, Run&& run_once) {
  std::vector<double> rates;
  size_t failed = 0;
  for (int i = 0; i < runs; ++i) {
    const run_result r = run_once();
    rates.push_back(units / r.seconds);
    failed += r.failed;
  }
  return {median(rates), failed};
}

// Both return true when no request failed.
inline bool print_ops(const char* what, size_t inflight, const rate& r) {
  std::printf("  %-28s %3zu in flight: %9.0f ops/s  %8.0f ns/op  (failed: %zu)\n", what,
              inflight, r.median, 1e9 / r.median, r.failed);
  return r.failed == 0;
}

inline bool print_mbps(const char* what, const rate& r) {
  std::printf("  %-44s %7.1f MB/s  (failed: %zu)\n", what, r.median, r.failed);
  return r.failed == 0;
}

} // namespace mtsender::bench
