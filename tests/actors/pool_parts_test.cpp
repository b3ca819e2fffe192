// The pool's pure parts: slot choice, when to open a slot, restart back-off,
// latency percentiles.
#include "mtsender/actors/latency_window.hpp"
#include "mtsender/actors/pool_backoff.hpp"
#include "mtsender/actors/pool_routing.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace mtsender;
using namespace mtsender::pool_detail;

namespace {

slot_load live(uint64_t n) { return {true, false, true, n}; }
slot_load starting() { return {false, true, true, 0}; }
slot_load empty() { return {}; }

class counter_random final : public random_source {
public:
  explicit counter_random(uint8_t v) : v_(v) {}
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i)
      out[i] = v_;
  }

private:
  uint8_t v_;
};

} // namespace

TEST_CASE("pick_slot takes the least loaded live slot, ties round-robin", "[pool][routing]") {
  size_t rr = 0;
  CHECK(pick_slot({empty(), starting(), empty()}, rr) == -1);
  CHECK(pick_slot({live(5), live(2), live(7)}, rr) == 1);
  CHECK(pick_slot({live(5), starting(), live(0)}, rr) == 2);
  // Equal loads: each call moves on.
  std::vector<slot_load> eq = {live(1), live(1), live(1)};
  rr = 0;
  std::vector<int> picks;
  for (int i = 0; i < 6; ++i)
    picks.push_back(pick_slot(eq, rr));
  CHECK(picks == std::vector<int>{1, 2, 0, 1, 2, 0});
  // Only one live slot: always it.
  rr = 2;
  CHECK(pick_slot({empty(), live(100), starting()}, rr) == 1);
  CHECK(pick_slot({empty(), live(100), starting()}, rr) == 1);
}

TEST_CASE("should_open_slot opens only when every live slot is busy", "[pool][routing]") {
  CHECK(should_open_slot({live(1), empty(), empty()}, 1, 3));
  CHECK_FALSE(should_open_slot({live(0), empty(), empty()}, 1, 3));
  CHECK_FALSE(should_open_slot({live(3), empty(), empty()}, 4, 3));
  CHECK_FALSE(should_open_slot({live(5), starting(), empty()}, 1, 3));  // one at a time
  CHECK_FALSE(should_open_slot({live(5), live(5), live(5)}, 1, 3));     // cap reached
  CHECK_FALSE(should_open_slot({live(5), live(5), empty()}, 1, 2));     // cap below slots
  CHECK(free_slot({live(1), empty(), live(2)}) == 1);
  CHECK(free_slot({live(1), starting(), live(2)}) == -1);
}

TEST_CASE("restart_delay doubles, caps and jitters", "[pool][backoff]") {
  using ms = std::chrono::milliseconds;
  counter_random mid{0x80};  // factor ~1.0
  CHECK(restart_delay(0, ms(100), ms(10000), mid) == ms(0));
  auto d1 = restart_delay(1, ms(100), ms(10000), mid);
  auto d2 = restart_delay(2, ms(100), ms(10000), mid);
  auto d5 = restart_delay(5, ms(100), ms(10000), mid);
  CHECK(d1 >= ms(95));
  CHECK(d1 <= ms(105));
  CHECK(d2 >= ms(190));
  CHECK(d2 <= ms(210));
  CHECK(d5 >= ms(1500));
  CHECK(d5 <= ms(1700));
  CHECK(restart_delay(40, ms(100), ms(10000), mid) <= ms(10100));
  counter_random low{0x00}, high{0xff};
  CHECK(restart_delay(3, ms(100), ms(10000), low) == ms(300));   // 0.75 * 400
  CHECK(restart_delay(3, ms(100), ms(10000), high) >= ms(499));  // just under 1.25 * 400
  CHECK(restart_delay(3, ms(100), ms(10000), high) <= ms(500));
}

TEST_CASE("latency_window percentiles over the last samples", "[pool][latency]") {
  latency_window w{100};
  CHECK(w.quantile(0.5) == -1);
  for (int i = 1; i <= 100; ++i)
    w.add(i);
  CHECK(w.quantile(0.5) == 51);  // nearest rank of 50.5 in 1..100
  CHECK(w.quantile(0.99) == 99);
  for (int i = 0; i < 100; ++i)
    w.add(1000);  // old samples are overwritten
  CHECK(w.quantile(0.5) == 1000);
  CHECK(w.size() == 100);
}
