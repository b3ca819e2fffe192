// The connection's deadline queue (actors/deadline_queue.hpp): in-order
// deadlines in its FIFO, others in its heap, always the earliest live one
// first, dead entries skipped and rebuilt away.
#include "mtsender/actors/deadline_queue.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

using mtsender::detail::deadline_queue;
using namespace std::chrono_literals;

namespace {
const deadline_queue::time_point t0{};
}

TEST_CASE("deadline queue: earliest live deadline first, in and out of order", "[actors][deadlines]") {
  deadline_queue q;
  std::set<uint64_t> live;
  auto alive = [&](uint64_t t) { return live.count(t) != 0; };
  CHECK_FALSE(q.front(alive));
  // 10, 20, 30 in order; 15 and 5 out of order.
  for (auto [ms, token] : {std::pair{10, 1}, {20, 2}, {30, 3}, {15, 4}, {5, 5}}) {
    q.push(t0 + std::chrono::milliseconds(ms), uint64_t(token));
    live.insert(uint64_t(token));
  }
  std::vector<uint64_t> order;
  while (auto e = q.front(alive)) {
    order.push_back(e->second);
    q.pop();
    live.erase(e->second);
  }
  CHECK(order == std::vector<uint64_t>{5, 1, 4, 2, 3});
  CHECK(q.empty());
}

TEST_CASE("deadline queue: ended requests are skipped, and a rebuild keeps only live ones", "[actors][deadlines]") {
  deadline_queue q;
  std::set<uint64_t> live;
  auto alive = [&](uint64_t t) { return live.count(t) != 0; };
  for (uint64_t t = 1; t <= 100; ++t) {
    q.push(t0 + std::chrono::milliseconds(t % 7 == 0 ? 1000 - t : t), t);  // some out of order
    live.insert(t);
  }
  for (uint64_t t = 1; t <= 100; ++t)
    if (t % 3 != 0)
      live.erase(t);
  auto e = q.front(alive);
  REQUIRE(e);
  CHECK(e->second == 3);
  // 100 entries, 33 live: above 2 * 33 + 10, so it rebuilds from the live ones.
  q.rebuild_if_stale(live.size(), 10, [&](auto&& add) {
    for (auto t : live)
      add(t0 + std::chrono::milliseconds(t % 7 == 0 ? 1000 - t : t), t);
  });
  CHECK(q.size() == live.size());
  // Not stale enough: left as it is.
  q.push(t0 + 2000ms, 500);
  live.insert(500);
  q.rebuild_if_stale(live.size(), 10, [&](auto&&) { FAIL("rebuilt without need"); });
  CHECK(q.size() == live.size());
}

TEST_CASE("deadline queue: agrees with a sorted model under random pushes and endings", "[actors][deadlines]") {
  deadline_queue q;
  std::map<uint64_t, int64_t> live;  // token -> deadline ms
  auto alive = [&](uint64_t t) { return live.count(t) != 0; };
  std::mt19937_64 rng{7};
  int64_t now = 0;
  for (uint64_t token = 1; token <= 20000; ++token) {
    now += int64_t(rng() % 3);
    // Mostly the default deadline (in order), sometimes a shorter one.
    const int64_t at = now + (rng() % 5 == 0 ? int64_t(rng() % 900) : 1000);
    q.push(t0 + std::chrono::milliseconds(at), token);
    live[token] = at;
    if (rng() % 2 == 0 && !live.empty())  // an answer: a random request ends
      live.erase(std::next(live.begin(), long(rng() % live.size())));
    if (rng() % 16 == 0) {  // the earliest is due
      auto e = q.front(alive);
      REQUIRE(e);
      int64_t min_at = INT64_MAX;
      for (auto& [t, d] : live)
        min_at = std::min(min_at, d);
      REQUIRE(e->first == t0 + std::chrono::milliseconds(min_at));
      REQUIRE(live.at(e->second) == min_at);
      q.pop();
      live.erase(e->second);
    }
    q.rebuild_if_stale(live.size(), 64, [&](auto&& add) {
      for (auto& [t, d] : live)
        add(t0 + std::chrono::milliseconds(d), t);
    });
    REQUIRE(q.size() >= live.size());
  }
}
