#include "mtsender/actors/retry/auto_sleep.hpp"
#include "mtsender/actors/retry/default_policy.hpp"
#include "mtsender/actors/retry/no_retries.hpp"
#include "mtsender/actors/retry/retry_driver.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::retry;
using namespace retry_test;

namespace {

const uint32_t send_message = 0xdff8042c;

std::shared_ptr<auto_sleep> sleeper(uint64_t jitter_draw = 0) {
  return std::make_shared<auto_sleep>(
    auto_sleep_config{}, std::make_shared<scripted_random>(std::vector<uint64_t>{jitter_draw}));
}

failure unsent() { return make_failure(errc::connection_failed, error_detail{}); }

// Records every context it is asked with, answers with a fixed decision.
class spy : public retry_policy {
public:
  explicit spy(retry_decision d) : answer(d) {}
  retry_decision on_failure(const retry_context& c) override {
    seen.push_back(c);
    return answer;
  }
  void on_success(const request_info& i) override { successes.push_back(i); }
  retry_decision answer;
  std::vector<retry_context> seen;
  std::vector<request_info> successes;
};

} // namespace

TEST_CASE("apply_deadline cuts retries that would end at or after the deadline",
          "[retry][deadline]") {
  auto r = retry_decision::after(5s);
  CHECK(apply_deadline(r, t0(), std::nullopt).retry);
  CHECK(apply_deadline(r, t0(), at(5s) + 1ms).retry);
  CHECK_FALSE(apply_deadline(r, t0(), at(5s)).retry);
  CHECK_FALSE(apply_deadline(r, t0(), at(4s)).retry);
  CHECK_FALSE(apply_deadline(r, at(10s), at(5s)).retry);   // already past
  CHECK_FALSE(apply_deadline(retry_decision::give_up(), t0(), at(100s)).retry);
  CHECK(apply_deadline(retry_decision::after(0ms), t0(), at(1ms)).retry);
}

TEST_CASE("retry_driver runs a flood wait as send, wait, send", "[retry][driver]") {
  auto floods = std::make_shared<flood_wait_registry>();
  retry_driver d{sleeper(), floods, 2, send_message, std::nullopt};
  auto s = d.before_send(t0());
  CHECK(s.kind == step_kind::send);
  CHECK(d.in_flight());
  s = d.on_failure(make_rpc_failure(420, "FLOOD_WAIT_30"), t0());
  CHECK(s.kind == step_kind::wait);
  CHECK(s.delay == 30s);
  CHECK(d.slept() == 30s);
  // The wait is remembered for the method on that DC.
  CHECK(floods->remaining(2, send_message, t0()) == retry_delay(30s));
  s = d.before_send(at(30s));
  CHECK(s.kind == step_kind::send);
  d.on_success(at(31s));
  CHECK(d.attempts() == 2);
  CHECK_FALSE(d.in_flight());
}

TEST_CASE("retry_driver: a waiting request fails with its original error at the deadline",
          "[retry][driver][deadline]") {
  retry_driver d{sleeper(), nullptr, 2, send_message, at(20s)};
  REQUIRE(d.before_send(t0()).kind == step_kind::send);
  auto s = d.on_failure(make_rpc_failure(420, "FLOOD_WAIT_30"), t0());
  CHECK(s.kind == step_kind::fail);
  CHECK(s.reported);
  CHECK(s.error.detail.rpc.message == "FLOOD_WAIT_30");
  CHECK(d.slept() == 0ms);

  // A wait that fits goes ahead; if the timer fires late past the deadline,
  // the request fails with the error it was waiting on, not a new one.
  retry_driver late{sleeper(), nullptr, 2, send_message, at(20s)};
  REQUIRE(late.before_send(t0()).kind == step_kind::send);
  auto w = late.on_failure(unsent(), t0());
  REQUIRE(w.kind == step_kind::wait);
  auto f = late.before_send(at(25s));
  CHECK(f.kind == step_kind::fail);
  CHECK(f.reported);
  CHECK(f.error.code == errc::connection_failed);

  // Nothing tried yet and the deadline passed: deadline_exceeded.
  retry_driver never{sleeper(), nullptr, 2, send_message, t0()};
  auto n = never.before_send(t0());
  CHECK(n.kind == step_kind::fail);
  CHECK_FALSE(n.reported);
  CHECK(n.error.code == errc::deadline_exceeded);
  CHECK(n.error.detail.dc_id == 2);
}

TEST_CASE("retry_driver: other requests wait out a remembered flood wait", "[retry][driver]") {
  auto floods = std::make_shared<flood_wait_registry>();
  floods->note(2, send_message, at(20s));

  // auto_sleep waits the rest of it without touching the server.
  auto policy = std::make_shared<spy>(retry_decision::after(20s));
  retry_driver d{policy, floods, 2, send_message, std::nullopt};
  auto s = d.before_send(at(500ms));
  CHECK(s.kind == step_kind::wait);
  CHECK_FALSE(d.in_flight());
  REQUIRE(policy->seen.size() == 1);
  const auto& c = policy->seen[0];
  CHECK_FALSE(c.attempted);
  CHECK(c.error.kind == failure_class::flood);
  CHECK(c.error.flood_wait_seconds() == 20);   // 19.5 s left, rounded up
  CHECK(c.error.detail.what.find("not sent") != std::string::npos);
  CHECK(d.before_send(at(20500ms)).kind == step_kind::send);

  retry_driver real{sleeper(), floods, 2, send_message, std::nullopt};
  auto w = real.before_send(at(5s));
  CHECK(w.kind == step_kind::wait);
  CHECK(w.delay == 15s);

  // no_retries: fails at once with the remembered flood error.
  retry_driver strict{std::make_shared<no_retries>(), floods, 2, send_message, std::nullopt};
  auto f = strict.before_send(at(5s));
  CHECK(f.kind == step_kind::fail);
  CHECK_FALSE(f.reported);
  CHECK(f.error.detail.rpc.code == 420);
  CHECK(f.error.detail.rpc.message == "FLOOD_WAIT_15");

  // Other methods and DCs go out.
  retry_driver other{sleeper(), floods, 2, 0x4423e6c5, std::nullopt};
  CHECK(other.before_send(at(5s)).kind == step_kind::send);
  retry_driver other_dc{sleeper(), floods, 4, send_message, std::nullopt};
  CHECK(other_dc.before_send(at(5s)).kind == step_kind::send);
}

TEST_CASE("retry_driver counts failures per class and tells the policy", "[retry][driver]") {
  auto policy = std::make_shared<spy>(retry_decision::after(1s));
  retry_driver d{policy, nullptr, 3, 42, std::nullopt};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(d.before_send(at(std::chrono::seconds(i))).kind == step_kind::send);
    d.on_failure(i == 1 ? make_rpc_failure(500, "RPC_CALL_FAIL") : unsent(),
                 at(std::chrono::seconds(i)));
  }
  REQUIRE(policy->seen.size() == 3);
  CHECK(policy->seen[0].attempt == 1);
  CHECK(policy->seen[0].same_class_before == 0);
  CHECK(policy->seen[1].same_class_before == 0);
  CHECK(policy->seen[2].attempt == 3);
  CHECK(policy->seen[2].same_class_before == 1);
  CHECK(policy->seen[2].slept == 2s);
  CHECK(policy->seen[2].dc_id == 3);
  CHECK(policy->seen[2].constructor_id == 42);
  CHECK(policy->seen[2].attempted);
  CHECK_FALSE(policy->seen[2].safe_to_repeat);
  CHECK(d.slept() == 3s);

  auto safe_spy = std::make_shared<spy>(retry_decision::give_up());
  retry_driver safe{safe_spy, nullptr, 3, 42, std::nullopt, true};
  REQUIRE(safe.before_send(t0()).kind == step_kind::send);
  CHECK(safe.on_failure(unsent(), t0()).kind == step_kind::fail);
  REQUIRE(safe_spy->seen.size() == 1);
  CHECK(safe_spy->seen[0].safe_to_repeat);
}

TEST_CASE("retry_driver: negative delays from a policy are clamped, misuse is caught",
          "[retry][driver]") {
  auto policy = std::make_shared<spy>(retry_decision::after(-5s));
  retry_driver d{policy, nullptr, 1, 1, std::nullopt};
  REQUIRE(d.before_send(t0()).kind == step_kind::send);
  CHECK_THROWS_AS(d.before_send(t0()), std::logic_error);
  auto s = d.on_failure(unsent(), t0());
  CHECK(s.kind == step_kind::wait);
  CHECK(s.delay == 0ms);
  CHECK_THROWS_AS(retry_driver(nullptr, nullptr, 1, 1, std::nullopt), std::invalid_argument);
}

TEST_CASE("default policy: breaker around auto_sleep, end to end", "[retry][driver][breaker]") {
  std::vector<breaker_transition> seen;
  auto breaker = std::make_shared<circuit_breaker>(
    breaker_config{2, 30s}, [&](const breaker_transition& t) { seen.push_back(t); });
  auto policy = make_default_policy(
    breaker, std::make_shared<scripted_random>(std::vector<uint64_t>{0}));

  // Request 1: unsent I/O is retried once after 1 s (first transient failure).
  retry_driver r1{policy, nullptr, 2, 1, std::nullopt};
  REQUIRE(r1.before_send(t0()).kind == step_kind::send);
  auto s = r1.on_failure(unsent(), t0());
  CHECK(s.kind == step_kind::wait);
  CHECK(s.delay == 1s);
  // Second transient failure opens the circuit: the request fails now.
  REQUIRE(r1.before_send(at(1s)).kind == step_kind::send);
  s = r1.on_failure(unsent(), at(1s));
  CHECK(s.kind == step_kind::fail);
  CHECK(s.reported);
  CHECK(s.error.code == errc::connection_failed);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].to == breaker_state::open);

  // Request 2 during the cooldown: circuit_open at once.
  retry_driver r2{policy, nullptr, 2, 1, std::nullopt};
  s = r2.before_send(at(10s));
  CHECK(s.kind == step_kind::fail);
  CHECK(s.error.code == errc::circuit_open);
  CHECK_FALSE(s.reported);

  // After the cooldown: r3 probes, r4 is refused while the probe is out.
  retry_driver r3{policy, nullptr, 2, 1, std::nullopt};
  retry_driver r4{policy, nullptr, 2, 1, std::nullopt};
  CHECK(r3.before_send(at(31s)).kind == step_kind::send);
  CHECK(r4.before_send(at(31s)).kind == step_kind::fail);
  // The probe hits a flood wait: the server answered, so the circuit
  // closes, and auto_sleep sleeps through the wait.
  s = r3.on_failure(make_rpc_failure(420, "FLOOD_WAIT_5"), at(32s));
  CHECK(s.kind == step_kind::wait);
  CHECK(s.delay == 5s);
  CHECK(breaker->state(2, at(32s)) == breaker_state::closed);
  CHECK(r3.before_send(at(37s)).kind == step_kind::send);
  r3.on_success(at(38s));
  CHECK(seen.size() == 3);
}
