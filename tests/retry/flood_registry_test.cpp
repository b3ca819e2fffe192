#include "mtsender/actors/retry/flood_wait_registry.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace mtsender::retry;
using namespace retry_test;

TEST_CASE("flood_wait_registry remembers waits per DC and method until they expire",
          "[retry][registry]") {
  flood_wait_registry r;
  const uint32_t send_message = 0xdff8042c;
  const uint32_t get_history = 0x4423e6c5;
  r.note(2, send_message, at(30s));
  CHECK(r.remaining(2, send_message, t0()) == retry_delay(30s));
  CHECK(r.remaining(2, send_message, at(29s)) == retry_delay(1s));
  CHECK(r.remaining(2, send_message, at(30s) - std::chrono::microseconds(1)) == retry_delay(1ms));
  CHECK_FALSE(r.remaining(2, send_message, at(30s)));
  CHECK_FALSE(r.remaining(2, send_message, at(31s)));
  // Other methods and other DCs are free.
  CHECK_FALSE(r.remaining(2, get_history, t0()));
  CHECK_FALSE(r.remaining(4, send_message, t0()));
  CHECK(r.size() == 1);
}

TEST_CASE("flood_wait_registry keeps the later of two waits", "[retry][registry]") {
  flood_wait_registry r;
  r.note(2, 7, at(30s));
  r.note(2, 7, at(10s));
  CHECK(r.remaining(2, 7, t0()) == retry_delay(30s));
  r.note(2, 7, at(50s));
  CHECK(r.remaining(2, 7, t0()) == retry_delay(50s));
  CHECK(r.size() == 1);
}

TEST_CASE("flood_wait_registry ignores unknown methods and purges expired entries",
          "[retry][registry]") {
  flood_wait_registry r;
  r.note(2, 0, at(30s));
  CHECK(r.size() == 0);
  CHECK_FALSE(r.remaining(2, 0, t0()));
  r.note(1, 1, at(10s));
  r.note(1, 2, at(20s));
  r.note(2, 1, at(30s));
  CHECK(r.purge(at(5s)) == 0);
  CHECK(r.purge(at(20s)) == 2);
  CHECK(r.size() == 1);
  CHECK(r.remaining(2, 1, at(20s)) == retry_delay(10s));
  CHECK(r.purge(at(30s)) == 1);
  CHECK(r.size() == 0);
}
