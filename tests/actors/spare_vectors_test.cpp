// The emptied batch vectors kept per thread (actors/spare_vectors.hpp): a
// given vector comes back empty with its buffer, its items are destroyed
// when given, and the bounds on count and size hold.
#include "mtsender/actors/spare_vectors.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <thread>

using mtsender::spare_vectors;

namespace {
// Element types of their own, so no other code's vectors share the store.
struct item {
  std::shared_ptr<int> held;
  char pad[56];
};
struct big {
  char bytes[4096];
};
using items = spare_vectors<item>;

void drain() {
  while (items::kept() > 0)
    items::take();
}
} // namespace

TEST_CASE("a given vector comes back empty with its buffer, its items destroyed", "[actors][spare_vectors]") {
  drain();
  auto held = std::make_shared<int>(1);
  std::vector<item> v(100, item{held, {}});
  CHECK(held.use_count() == 101);
  const auto* buffer = v.data();
  const auto capacity = v.capacity();
  items::give(std::move(v));
  CHECK(held.use_count() == 1);
  CHECK(items::kept() == 1);
  auto again = items::take();
  CHECK(again.empty());
  CHECK(again.data() == buffer);
  CHECK(again.capacity() == capacity);
  CHECK(items::kept() == 0);
  CHECK(items::take().capacity() == 0);   // none left: a new, empty one
}

TEST_CASE("a thread keeps at most max_kept vectors, none over max_kept_bytes", "[actors][spare_vectors]") {
  drain();
  for (size_t i = 0; i < items::max_kept + 3; ++i) {
    std::vector<item> v;
    v.reserve(10);
    items::give(std::move(v));
  }
  CHECK(items::kept() == items::max_kept);
  items::give(std::vector<item>{});   // no buffer: nothing to keep
  CHECK(items::kept() == items::max_kept);
  drain();

  std::vector<big> large;
  large.reserve(spare_vectors<big>::max_kept_bytes / sizeof(big) + 1);
  spare_vectors<big>::give(std::move(large));
  CHECK(spare_vectors<big>::kept() == 0);   // too large: freed
  std::vector<big> fits;
  fits.reserve(spare_vectors<big>::max_kept_bytes / sizeof(big));
  spare_vectors<big>::give(std::move(fits));
  CHECK(spare_vectors<big>::kept() == 1);
}

TEST_CASE("each thread has its own store, freed when it ends", "[actors][spare_vectors]") {
  drain();
  size_t kept_there = 0;
  std::thread other{[&] {
    std::vector<item> v(5);
    items::give(std::move(v));
    kept_there = items::kept();
  }};
  other.join();
  CHECK(kept_there == 1);
  CHECK(items::kept() == 0);
  // The other thread's vector died with its store: the sanitizer run's leak
  // checker fails this test if it did not.
}
