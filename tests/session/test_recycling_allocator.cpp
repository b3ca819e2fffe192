// The node allocator of the request path's maps (recycling_allocator.hpp):
// freed nodes come back, the per-thread bound holds, and nothing is lost
// when nodes change threads or a thread ends (the sanitizer run's leak
// checker sees the last part).
#include "mtsender/transport/recycling_allocator.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <thread>
#include <vector>

using namespace mtsender;

namespace {
// A node type of its own size, so that no other test's nodes share its list.
struct node {
  char bytes[200];
};
using alloc = recycling_allocator<node>;
} // namespace

TEST_CASE("a freed node is handed out again by the next allocation of its size") {
  alloc a;
  const auto before = alloc::recycled();
  node* p = a.allocate(1);
  a.deallocate(p, 1);
  CHECK(alloc::recycled() == before + 1);
#ifdef MTSENDER_ASAN
  CHECK(__asan_address_is_poisoned(p->bytes + 100));  // a dangling use is reported
#endif
  node* q = a.allocate(1);
  CHECK(q == p);
#ifdef MTSENDER_ASAN
  CHECK_FALSE(__asan_region_is_poisoned(q, sizeof(node)));
#endif
  CHECK(alloc::recycled() == before);
  a.deallocate(q, 1);
}

TEST_CASE("a thread keeps at most recycled_nodes_per_thread nodes of a size") {
  alloc a;
  std::vector<node*> nodes;
  for (size_t i = 0; i < recycled_nodes_per_thread + 10; ++i)
    nodes.push_back(a.allocate(1));
  for (auto* p : nodes)
    a.deallocate(p, 1);
  CHECK(alloc::recycled() == recycled_nodes_per_thread);
  // What is kept is what was freed (the rest went back to operator delete).
  std::set<node*> freed(nodes.begin(), nodes.end());
  std::vector<node*> again;
  for (size_t i = 0; i < recycled_nodes_per_thread; ++i)
    again.push_back(a.allocate(1));
  for (auto* p : again)
    CHECK(freed.count(p) == 1);
  CHECK(alloc::recycled() == 0);
  for (auto* p : again)
    a.deallocate(p, 1);
}

TEST_CASE("arrays bypass the recycled nodes") {
  alloc a;
  const auto before = alloc::recycled();
  node* p = a.allocate(3);
  a.deallocate(p, 3);
  CHECK(alloc::recycled() == before);
}

TEST_CASE("a recycled map destroys its values and reuses their nodes") {
  auto held = std::make_shared<int>(7);
  recycled_map<uint64_t, std::shared_ptr<int>> m;
  for (uint64_t round = 0; round < 50; ++round) {
    for (uint64_t k = 0; k < 100; ++k)
      m[round * 100 + k] = held;
    CHECK(held.use_count() == 101);
    for (uint64_t k = 0; k < 100; ++k)
      CHECK(m.erase(round * 100 + k) == 1);
    CHECK(held.use_count() == 1);
  }
  CHECK(m.empty());
}

TEST_CASE("a node freed on another thread joins that thread's list, and a thread's list is released when it ends") {
  alloc a;
  std::vector<node*> made;
  for (int i = 0; i < 20; ++i)
    made.push_back(a.allocate(1));
  size_t kept_there = 0;
  std::thread other{[&] {
    for (auto* p : made)
      a.deallocate(p, 1);
    kept_there = alloc::recycled();
  }};
  other.join();
  CHECK(kept_there == 20);
  // The list died with its thread: the leak checker of the sanitizer run
  // fails this test if those 20 nodes were not given back.
}

TEST_CASE("make_shared_recycled shares one object and recycles its block") {
  const std::vector<int>* first = nullptr;
  {
    auto p = make_shared_recycled<std::vector<int>>(3, 9);
    auto q = p;
    CHECK(p->size() == 3);
    CHECK((*q)[2] == 9);
    CHECK(p.use_count() == 2);
    first = p.get();
  }
  // The object lives in the control block: the same block, the same place.
  auto again = make_shared_recycled<std::vector<int>>(1, 1);
  CHECK(again.get() == first);
}
