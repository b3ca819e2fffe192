// Watches fsync() in the store tests without touching the store: this test
// binary defines fsync itself (tests/store/fsync_probe.cpp), so the store's
// calls land here first, are recorded, and go on to the C library's fsync
// (or fail on request). Linked into test_store only.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace store_test {

struct fsync_call {
  dev_t dev = 0;
  ino_t ino = 0;
  bool is_dir = false;
  // The watched path (see watch_path) named this very file at the time of
  // the call, i.e. the file was synced after it took its final name.
  bool was_at_watched_path = false;
  int result = 0;
};

// Forgets the calls so far and watches `path` (may be empty).
void reset_fsync_probe(const std::string& watched_path = {});
std::vector<fsync_call> fsync_calls();
// The next `n` calls fail with errno `err` without syncing.
void fail_next_fsyncs(int n, int err);

} // namespace store_test
