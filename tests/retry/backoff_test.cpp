#include "mtsender/actors/retry/exponential_backoff.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::retry;
using namespace retry_test;

namespace {

retry_context attempt_ctx(int attempt, failure f) {
  retry_context c;
  c.attempt = attempt;
  c.error = std::move(f);
  c.now = t0();
  return c;
}

failure unsent() { return make_failure(errc::connection_failed, error_detail{}); }

} // namespace

TEST_CASE("exponential_backoff ceilings grow by factor up to the cap", "[retry][policy]") {
  backoff_config cfg;
  cfg.base = 100ms;
  cfg.factor = 3.0;
  cfg.cap = 2000ms;
  exponential_backoff p{cfg, std::make_shared<scripted_random>(std::vector<uint64_t>{0})};
  CHECK(p.ceiling(1) == 100ms);
  CHECK(p.ceiling(2) == 300ms);
  CHECK(p.ceiling(3) == 900ms);
  CHECK(p.ceiling(4) == 2000ms);
  CHECK(p.ceiling(1000000) == 2000ms);
}

TEST_CASE("exponential_backoff uses full jitter in [0, ceiling]", "[retry][policy]") {
  backoff_config cfg;
  cfg.base = 100ms;
  cfg.factor = 2.0;
  cfg.cap = 10s;
  cfg.max_attempts = 10;
  // attempt 3 -> ceiling 400 ms -> delay = rng % 401.
  for (uint64_t v : {uint64_t{0}, uint64_t{400}, uint64_t{401}, uint64_t{123456789}, UINT64_MAX}) {
    INFO("rng " << v);
    exponential_backoff p{cfg, std::make_shared<scripted_random>(std::vector<uint64_t>{v})};
    auto d = p.on_failure(attempt_ctx(3, unsent()));
    REQUIRE(d.retry);
    CHECK(d.delay >= 0ms);
    CHECK(d.delay <= 400ms);
    CHECK(d.delay.count() == static_cast<int64_t>(v % 401));
  }
}

TEST_CASE("exponential_backoff stops at max attempts and on unsafe errors", "[retry][policy]") {
  backoff_config cfg;
  cfg.max_attempts = 3;
  exponential_backoff p{cfg, std::make_shared<scripted_random>(std::vector<uint64_t>{7})};
  CHECK(p.on_failure(attempt_ctx(1, unsent())).retry);
  CHECK(p.on_failure(attempt_ctx(2, unsent())).retry);
  CHECK_FALSE(p.on_failure(attempt_ctx(3, unsent())).retry);
  error_detail maybe;
  maybe.may_have_executed = true;
  CHECK_FALSE(p.on_failure(attempt_ctx(1, make_failure(errc::connection_lost, maybe))).retry);
  auto safe = attempt_ctx(1, make_failure(errc::connection_lost, maybe));
  safe.safe_to_repeat = true;
  CHECK(p.on_failure(safe).retry);
  CHECK_FALSE(p.on_failure(attempt_ctx(1, make_rpc_failure(400, "CHAT_INVALID"))).retry);
  CHECK_FALSE(p.on_failure(attempt_ctx(1, make_rpc_failure(420, "FLOOD_WAIT_3"))).retry);
  CHECK(p.on_failure(attempt_ctx(1, make_rpc_failure(500, "RPC_CALL_FAIL"))).retry);

  backoff_config custom = cfg;
  custom.retry_if = [](const failure& f) { return f.kind == failure_class::request; };
  exponential_backoff q{custom, std::make_shared<scripted_random>(std::vector<uint64_t>{7})};
  CHECK(q.on_failure(attempt_ctx(1, make_rpc_failure(400, "CHAT_INVALID"))).retry);
  CHECK_FALSE(q.on_failure(attempt_ctx(1, unsent())).retry);
}

TEST_CASE("exponential_backoff rejects nonsense configuration", "[retry][policy]") {
  auto rng = std::make_shared<scripted_random>(std::vector<uint64_t>{0});
  backoff_config bad;
  bad.factor = 0.5;
  CHECK_THROWS_AS(exponential_backoff(bad, rng), std::invalid_argument);
  bad = backoff_config{};
  bad.base = -1ms;
  CHECK_THROWS_AS(exponential_backoff(bad, rng), std::invalid_argument);
  CHECK_THROWS_AS(exponential_backoff(backoff_config{}, nullptr), std::invalid_argument);
}
