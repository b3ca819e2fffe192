// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
//
// Emptied vectors kept on their thread for the next batch, for the batches
// that pool and connection hand each other (pooled_batch, pooled_replies).
//
// Each batch holds a turn's worth of items, kilobytes. Allocated fresh, every
// one was a malloc above glibc's small sizes, and each such malloc makes glibc
// consolidate its fast bins: with three connections malloc_consolidate alone
// was 2% of the I/O thread's samples at 512 in flight. A reply batch also grew
// by doubling from nothing. Pool and connections run on CAF's I/O thread, so
// the vector the receiver has emptied carries the sender's next batch.
//
//   auto items = spare_vectors<pooled_item>::take();   // empty; capacity kept
//   ... fill, send; the receiver, when done with it:
//   spare_vectors<pooled_item>::give(std::move(items)); // cleared and kept
//
// A thread keeps at most `max_kept` vectors per element type, none of more
// than `max_kept_bytes` of capacity; the rest are freed as usual. What a
// thread keeps is freed when it ends.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace mtsender {

template <class T>
class spare_vectors {
public:
  static constexpr size_t max_kept = 8;
  static constexpr size_t max_kept_bytes = 256 * 1024;

  // An empty vector: one kept on this thread if there is one.
  static std::vector<T> take() noexcept {
    if (ended())
      return {};
    auto& s = mine();
    if (s.count == 0)
      return {};
    return std::move(s.kept[--s.count]);
  }

  // Destroys v's items and keeps its buffer if there is room.
  static void give(std::vector<T>&& v) noexcept {
    v.clear();
    if (v.capacity() == 0 || v.capacity() > max_kept_bytes / sizeof(T) || ended())
      return;
    auto& s = mine();
    if (s.count < max_kept)
      s.kept[s.count++] = std::move(v);
  }

  // How many vectors this thread keeps (for tests).
  static size_t kept() noexcept { return ended() ? 0 : mine().count; }

private:
  struct store {
    std::vector<T> kept[max_kept];   // the first `count` hold buffers
    size_t count = 0;
    ~store() { ended() = true; }
  };
  static store& mine() noexcept {
    static thread_local store s;
    return s;
  }
  // Set once this thread's store is destroyed: a vector given after that is
  // freed. A trivially destructible flag, valid at any point of thread exit.
  static bool& ended() noexcept {
    static thread_local bool flag = false;
    return flag;
  }
};

} // namespace mtsender
