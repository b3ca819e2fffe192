#include "mtsender/actors/retry/auto_sleep.hpp"
#include "mtsender/actors/retry/no_retries.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::retry;
using namespace retry_test;

namespace {

retry_context ctx_for(failure f, int same_before = 0, retry_delay slept = 0ms) {
  retry_context c;
  c.error = std::move(f);
  c.same_class_before = same_before;
  c.attempt = same_before + 1;
  c.slept = slept;
  c.dc_id = 2;
  c.constructor_id = 0xdff8042c;
  c.now = t0();
  return c;
}

failure lost(bool may_have_executed) {
  error_detail d;
  d.may_have_executed = may_have_executed;
  return make_failure(errc::connection_lost, d);
}

auto fixed_rng(uint64_t v) { return std::make_shared<scripted_random>(std::vector<uint64_t>{v}); }

} // namespace

TEST_CASE("no_retries gives every error straight back", "[retry][policy]") {
  no_retries p;
  for (auto f : {make_rpc_failure(420, "FLOOD_WAIT_1"), make_rpc_failure(500, "RPC_CALL_FAIL"),
                 make_failure(errc::connection_failed, error_detail{}), lost(false)}) {
    auto d = p.on_failure(ctx_for(f));
    CHECK_FALSE(d.retry);
  }
}

TEST_CASE("auto_sleep sleeps through flood waits up to the threshold", "[retry][policy]") {
  auto_sleep_config cfg;
  cfg.flood_jitter = 0ms;
  auto_sleep p{cfg, fixed_rng(12345)};
  for (const char* m : {"FLOOD_WAIT_30", "SLOWMODE_WAIT_30", "FLOOD_PREMIUM_WAIT_30",
                        "FLOOD_TEST_PHONE_WAIT_30"}) {
    INFO(m);
    auto d = p.on_failure(ctx_for(make_rpc_failure(420, m)));
    CHECK(d.retry);
    CHECK(d.delay == 30s);
  }
  CHECK(p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_60"))).delay == 60s);
  CHECK_FALSE(p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_61"))).retry);
  CHECK_FALSE(p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_86400"))).retry);
  // 420 without a number is not a wait we can sleep through.
  CHECK_FALSE(p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT"))).retry);

  auto_sleep_config tight = cfg;
  tight.flood_threshold = 5s;
  auto_sleep q{tight, fixed_rng(0)};
  CHECK(q.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_5"))).retry);
  CHECK_FALSE(q.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_6"))).retry);
}

TEST_CASE("auto_sleep jitter only adds, within its bound", "[retry][policy]") {
  auto_sleep_config cfg;
  cfg.flood_jitter = 1000ms;
  // Jitter is rng % (1000 + 1): 0 -> 0, 1000 -> 1000, 1001 -> 0, max -> max % 1001.
  const uint64_t draws[] = {0, 1, 999, 1000, 1001, 2002 + 500, UINT64_MAX};
  for (uint64_t v : draws) {
    INFO("rng " << v);
    auto rng = fixed_rng(v);
    auto_sleep p{cfg, rng};
    auto d = p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_7")));
    REQUIRE(d.retry);
    CHECK(d.delay >= 7s);
    CHECK(d.delay <= 8s);
    CHECK(d.delay == 7s + retry_delay(static_cast<int64_t>(v % 1001)));
    CHECK(rng->draws() == 1);
  }
  // Zero-second waits still never go below zero, and jitter keeps them apart.
  auto_sleep p{cfg, fixed_rng(250)};
  CHECK(p.on_failure(ctx_for(make_rpc_failure(420, "FLOOD_WAIT_0"))).delay == 250ms);
}

TEST_CASE("auto_sleep caps flood retries and total sleep", "[retry][policy]") {
  auto_sleep_config cfg;
  cfg.flood_jitter = 0ms;
  cfg.max_flood_retries = 2;
  cfg.max_total_sleep = 100s;
  auto_sleep p{cfg, fixed_rng(0)};
  auto flood = make_rpc_failure(420, "FLOOD_WAIT_30");
  CHECK(p.on_failure(ctx_for(flood, 0)).retry);
  CHECK(p.on_failure(ctx_for(flood, 1)).retry);
  CHECK_FALSE(p.on_failure(ctx_for(flood, 2)).retry);
  // 70 s slept + 30 s = 100 s: allowed; 71 + 30 > 100: not.
  CHECK(p.on_failure(ctx_for(flood, 0, 70s)).retry);
  CHECK_FALSE(p.on_failure(ctx_for(flood, 0, 71s)).retry);
  // The total applies to other kinds too.
  CHECK_FALSE(p.on_failure(ctx_for(make_rpc_failure(500, "RPC_CALL_FAIL"), 0, 100s)).retry);
}

TEST_CASE("auto_sleep retries unsent I/O once after a second", "[retry][policy]") {
  auto_sleep p{auto_sleep_config{}, fixed_rng(0)};
  auto failed = make_failure(errc::connection_failed, error_detail{});
  auto d = p.on_failure(ctx_for(failed, 0));
  CHECK(d.retry);
  CHECK(d.delay == 1s);
  CHECK_FALSE(p.on_failure(ctx_for(failed, 1)).retry);
  auto unsent = p.on_failure(ctx_for(lost(false), 0));
  CHECK(unsent.retry);
  CHECK(unsent.delay == 1s);
  // It may have run: repeating it could run it twice.
  CHECK_FALSE(p.on_failure(ctx_for(lost(true), 0)).retry);
  // ... unless the caller said running it twice does no harm.
  auto safe = ctx_for(lost(true), 0);
  safe.safe_to_repeat = true;
  auto again = p.on_failure(safe);
  CHECK(again.retry);
  CHECK(again.delay == 1s);
  safe.same_class_before = 1;
  CHECK_FALSE(p.on_failure(safe).retry);
}

TEST_CASE("auto_sleep retries internal errors with doubling delays", "[retry][policy]") {
  auto_sleep_config cfg;
  cfg.internal_base = 1s;
  cfg.internal_cap = 5s;
  cfg.max_internal_retries = 5;
  cfg.max_total_sleep = std::chrono::hours(1);
  auto_sleep p{cfg, fixed_rng(0)};
  for (auto f : {make_rpc_failure(500, "INTERNAL"), make_rpc_failure(-500, "No workers running"),
                 make_rpc_failure(-503, "Timeout"), make_rpc_failure(500, "RPC_CALL_FAIL"),
                 make_rpc_failure(500, "WORKER_BUSY_TOO_LONG_RETRY"),
                 make_rpc_failure(400, "BOT_RESPONSE_TIMEOUT")}) {
    INFO(f.detail.rpc.message);
    REQUIRE(f.kind == failure_class::internal);
    CHECK(p.on_failure(ctx_for(f, 0)).delay == 1s);
    CHECK(p.on_failure(ctx_for(f, 1)).delay == 2s);
    CHECK(p.on_failure(ctx_for(f, 2)).delay == 4s);
    CHECK(p.on_failure(ctx_for(f, 3)).delay == 5s);   // capped
    CHECK(p.on_failure(ctx_for(f, 4)).delay == 5s);
    CHECK_FALSE(p.on_failure(ctx_for(f, 5)).retry);
  }
  // Huge counts cannot overflow the doubling.
  cfg.max_internal_retries = INT32_MAX;
  auto_sleep q{cfg, fixed_rng(0)};
  CHECK(q.on_failure(ctx_for(make_rpc_failure(500, "X"), 1000000)).delay == 5s);
}

TEST_CASE("auto_sleep gives everything else back at once", "[retry][policy]") {
  auto_sleep p{auto_sleep_config{}, fixed_rng(0)};
  error_detail transport;
  transport.transport_code = -404;
  for (auto f : {make_rpc_failure(400, "CHAT_INVALID"), make_rpc_failure(401, "AUTH_KEY_UNREGISTERED"),
                 make_rpc_failure(303, "PHONE_MIGRATE_2"), make_rpc_failure(403, "CHAT_WRITE_FORBIDDEN"),
                 make_failure(errc::transport_error, transport),
                 make_failure(errc::deadline_exceeded, error_detail{}),
                 make_failure(errc::circuit_open, error_detail{}),
                 make_failure(errc::dropped, error_detail{}),
                 make_failure(errc::malformed_reply, error_detail{})}) {
    INFO(to_string(f.kind) << " " << f.detail.rpc.message);
    CHECK_FALSE(p.on_failure(ctx_for(f)).retry);
  }
}

TEST_CASE("auto_sleep needs a random source", "[retry][policy]") {
  CHECK_THROWS_AS(auto_sleep(auto_sleep_config{}, nullptr), std::invalid_argument);
}
