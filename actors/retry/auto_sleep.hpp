// The policy that sleeps through flood waits (what most Telegram clients do).
//
// - FLOOD_WAIT_X, SLOWMODE_WAIT_X, FLOOD_PREMIUM_WAIT_X, FLOOD_TEST_PHONE_WAIT_X
//   (and other 420s with a number): retried after X seconds plus a random
//   jitter in [0, flood_jitter] when X <= flood_threshold. The delay is never
//   below X: retrying inside the wait only makes the server extend it.
// - A transient I/O error of a request that never reached the server
//   (connection_failed, connection_lost without may_have_executed): retried
//   once after io_retry_delay. A request that may have run is repeated the
//   same way only when the caller marked it safe_to_repeat.
// - Internal server errors (500, -500, -503, RPC_CALL_FAIL, WORKER_BUSY...,
//   *_TIMEOUT): retried with doubling delays, internal_base * 2^n, capped.
// - Everything else goes back at once.
// Each kind has its own retry cap, and all sleeps of one request together
// stay within max_total_sleep.
//
//   auto p = std::make_shared<auto_sleep>(auto_sleep_config{}, rng);
#pragma once

#include "mtsender/actors/retry/retry_policy.hpp"
#include "mtsender/transport/random.hpp"

#include <memory>

namespace mtsender::retry {

struct auto_sleep_config {
  std::chrono::seconds flood_threshold{60};
  int max_flood_retries = 3;
  retry_delay flood_jitter{1000};
  retry_delay io_retry_delay{1000};
  int max_io_retries = 1;
  retry_delay internal_base{1000};
  retry_delay internal_cap{30000};
  int max_internal_retries = 4;
  retry_delay max_total_sleep{std::chrono::minutes(3)};
};

class auto_sleep final : public retry_policy {
public:
  // rng must not be null (throws std::invalid_argument).
  auto_sleep(auto_sleep_config cfg, std::shared_ptr<random_source> rng);

  retry_decision on_failure(const retry_context& ctx) override;

  const auto_sleep_config& config() const { return cfg_; }

private:
  auto_sleep_config cfg_;
  std::shared_ptr<random_source> rng_;
};

} // namespace mtsender::retry
