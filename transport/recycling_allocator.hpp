// An allocator for the node-based maps on a request's path (the pool's
// invocations, the connection's pending requests, the session's requests by
// token and by msg_id) and for the shared request bodies.
//
// Each of those maps gains an entry when a request leaves and loses it when
// the answer comes, so at 512 in flight they cost a malloc and a free per
// request each. glibc's per-thread cache holds only 7 blocks of a size, and
// answers free nodes in bursts of a frame's worth, so most of those calls
// went to the slower bins. This allocator keeps freed single nodes on a list
// of its own thread, at most `recycled_nodes_per_thread` of each node size,
// and hands them out again. Everything else (bucket arrays, several objects
// at once) goes straight to operator new and delete.
//
//   recycled_map<uint64_t, request> requests;   // an std::unordered_map
//   auto body = make_shared_recycled<const byte_buffer>(std::move(bytes));
//
// A node freed on another thread than the one that allocated it joins that
// other thread's list, which is as good. What the lists hold is released
// when their thread ends. The allocator is stateless: all of them compare
// equal, so maps swap and move as with std::allocator.
//
// Under AddressSanitizer (MTSENDER_ASAN is then defined) a node on a list is
// poisoned: a dangling pointer into a recycled node is reported as it would
// be into freed memory.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <unordered_map>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define MTSENDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MTSENDER_ASAN 1
#endif
#endif
#ifdef MTSENDER_ASAN
#include <sanitizer/asan_interface.h>
#define MTSENDER_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MTSENDER_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MTSENDER_POISON(p, n) ((void)(p), (void)(n))
#define MTSENDER_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mtsender {

// Bounds the memory a thread keeps for reuse: per node size, at most this
// many nodes (a few hundred bytes each for the largest).
inline constexpr size_t recycled_nodes_per_thread = 1024;

namespace detail {

// The free list of one node size and alignment on one thread.
template <size_t Size, size_t Align>
class node_list {
public:
  static node_list& mine() noexcept {
    static thread_local node_list list;
    return list;
  }
  // Whether this thread's list is gone (its thread is ending): a node freed
  // after that goes back to operator delete. A trivially destructible flag,
  // so reading it is valid at any point of the thread's exit.
  static bool& ended() noexcept {
    static thread_local bool flag = false;
    return flag;
  }

  void* pop() noexcept {
    auto* n = head_;
    if (n) {
      MTSENDER_UNPOISON(n, Size);
      head_ = n->next;
      --size_;
    }
    return n;
  }
  bool push(void* p) noexcept {
    if (size_ >= recycled_nodes_per_thread)
      return false;
    head_ = new (p) link{head_};
    MTSENDER_POISON(p, Size);
    ++size_;
    return true;
  }

  size_t size() const noexcept { return size_; }

  ~node_list() {
    ended() = true;
    while (auto* p = pop())
      ::operator delete(p);
  }

private:
  struct link {
    link* next;
  };
  link* head_ = nullptr;
  size_t size_ = 0;
};

} // namespace detail

template <class T>
class recycling_allocator {
public:
  using value_type = T;

  recycling_allocator() noexcept = default;
  template <class U>
  recycling_allocator(const recycling_allocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n == 1 && !list::ended())
      if (void* p = list::mine().pop())
        return static_cast<T*>(p);
    return static_cast<T*>(::operator new(n == 1 ? block : n * sizeof(T)));
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n == 1 && !list::ended() && list::mine().push(p))
      return;
    ::operator delete(p);
  }

  // How many freed nodes of this size this thread holds for reuse.
  static size_t recycled() noexcept { return list::ended() ? 0 : list::mine().size(); }

  template <class U>
  bool operator==(const recycling_allocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const recycling_allocator<U>&) const noexcept { return false; }

private:
  // A freed block becomes a link of the list: it must hold a pointer.
  static constexpr size_t block = sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T);
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                "over-aligned types need the aligned operator new");
  using list = detail::node_list<block, alignof(T)>;
};

// The hash map of the request path, with its nodes recycled.
template <class K, class V>
using recycled_map =
  std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, recycling_allocator<std::pair<const K, V>>>;

// std::make_shared with the control block (and the object in it) recycled:
// the shared request bodies, one per request.
template <class T, class... Args>
std::shared_ptr<T> make_shared_recycled(Args&&... args) {
  return std::allocate_shared<T>(recycling_allocator<T>{}, std::forward<Args>(args)...);
}

} // namespace mtsender

#undef MTSENDER_POISON
#undef MTSENDER_UNPOISON
