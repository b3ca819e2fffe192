#include "mtsender/actors/retry/breaker_policy.hpp"
#include "mtsender/actors/retry/circuit_breaker.hpp"
#include "mtsender/actors/retry/no_retries.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::retry;
using namespace retry_test;

namespace {

failure unsent() { return make_failure(errc::connection_failed, error_detail{}); }

struct recorder {
  std::vector<breaker_transition> seen;
  circuit_breaker::listener fn() {
    return [this](const breaker_transition& t) { seen.push_back(t); };
  }
};

// Fails `n` admitted attempts to dc with f, starting at `when`.
void fail_n(circuit_breaker& b, int32_t dc, int n, const failure& f, retry_time when) {
  for (int i = 0; i < n; ++i) {
    auto a = b.admit(dc, when);
    REQUIRE(a.allowed);
    b.record_failure(dc, f, a.probe, when);
  }
}

} // namespace

TEST_CASE("circuit_breaker: closed -> open -> half-open -> closed", "[retry][breaker]") {
  recorder rec;
  circuit_breaker b{breaker_config{3, 10s}, rec.fn()};
  CHECK(b.state(2, t0()) == breaker_state::closed);
  fail_n(b, 2, 2, unsent(), t0());
  CHECK(b.state(2, t0()) == breaker_state::closed);
  CHECK(b.consecutive_failures(2) == 2);
  CHECK(rec.seen.empty());
  fail_n(b, 2, 1, unsent(), at(1s));
  CHECK(b.state(2, at(1s)) == breaker_state::open);
  CHECK(b.times_opened(2) == 1);
  REQUIRE(rec.seen.size() == 1);
  CHECK(rec.seen[0].dc_id == 2);
  CHECK(rec.seen[0].from == breaker_state::closed);
  CHECK(rec.seen[0].to == breaker_state::open);
  CHECK(rec.seen[0].at == at(1s));
  CHECK(b.reopens_at(2) == at(11s));

  // Open: refused at once with circuit_open naming the DC.
  auto refused = b.admit(2, at(5s));
  CHECK_FALSE(refused.allowed);
  CHECK(refused.refusal.code == errc::circuit_open);
  CHECK(refused.refusal.kind == failure_class::circuit_open);
  CHECK(refused.refusal.detail.dc_id == 2);
  CHECK(refused.refusal.detail.what.find("DC 2") != std::string::npos);
  CHECK(b.admit(2, at(11s) - 1ms).allowed == false);
  // Other DCs are not affected.
  CHECK(b.admit(4, at(5s)).allowed);

  // Cooldown over: one probe, the rest refused while it is in flight.
  auto probe = b.admit(2, at(11s));
  CHECK(probe.allowed);
  CHECK(probe.probe);
  CHECK(b.state(2, at(11s)) == breaker_state::half_open);
  auto second = b.admit(2, at(11s));
  CHECK_FALSE(second.allowed);
  CHECK(second.refusal.code == errc::circuit_open);
  CHECK_FALSE(b.admit(2, at(12s)).allowed);

  // A late success of a request that is not the probe changes nothing.
  b.record_success(2, false, at(12s));
  CHECK(b.state(2, at(12s)) == breaker_state::half_open);

  b.record_success(2, true, at(13s));
  CHECK(b.state(2, at(13s)) == breaker_state::closed);
  CHECK(b.consecutive_failures(2) == 0);
  CHECK(b.admit(2, at(13s)).allowed);
  REQUIRE(rec.seen.size() == 3);
  CHECK(rec.seen[1].from == breaker_state::open);
  CHECK(rec.seen[1].to == breaker_state::half_open);
  CHECK(rec.seen[2].from == breaker_state::half_open);
  CHECK(rec.seen[2].to == breaker_state::closed);
}

TEST_CASE("circuit_breaker: a failed probe opens it again", "[retry][breaker]") {
  recorder rec;
  circuit_breaker b{breaker_config{1, 10s}, rec.fn()};
  fail_n(b, 1, 1, unsent(), t0());
  CHECK(b.state(1, t0()) == breaker_state::open);
  auto probe = b.admit(1, at(10s));
  REQUIRE(probe.probe);
  error_detail lost;
  lost.may_have_executed = true;
  b.record_failure(1, make_failure(errc::connection_lost, lost), true, at(12s));
  CHECK(b.state(1, at(12s)) == breaker_state::open);
  CHECK(b.times_opened(1) == 2);
  CHECK(b.reopens_at(1) == at(22s));   // the cooldown starts again
  CHECK_FALSE(b.admit(1, at(21s)).allowed);
  CHECK(b.admit(1, at(22s)).probe);
  REQUIRE(rec.seen.size() == 4);
  CHECK(rec.seen[2].from == breaker_state::half_open);
  CHECK(rec.seen[2].to == breaker_state::open);
}

TEST_CASE("circuit_breaker counts only transient failures", "[retry][breaker]") {
  circuit_breaker b{breaker_config{2, 10s}};
  // 4xx and flood answers never open it, however many.
  for (auto f : {make_rpc_failure(400, "CHAT_INVALID"), make_rpc_failure(401, "AUTH_KEY_UNREGISTERED"),
                 make_rpc_failure(420, "FLOOD_WAIT_3"), make_rpc_failure(303, "PHONE_MIGRATE_2"),
                 make_rpc_failure(400, "BOT_RESPONSE_TIMEOUT")}) {
    INFO(f.detail.rpc.message);
    fail_n(b, 2, 10, f, t0());
    CHECK(b.state(2, t0()) == breaker_state::closed);
  }
  // Dropped requests say nothing about the DC.
  fail_n(b, 2, 10, make_failure(errc::dropped, error_detail{}), t0());
  CHECK(b.state(2, t0()) == breaker_state::closed);
  // Each transient kind counts.
  error_detail tcode;
  tcode.transport_code = -404;
  for (auto f : {unsent(), make_failure(errc::transport_error, tcode),
                 make_failure(errc::deadline_exceeded, error_detail{}),
                 make_rpc_failure(500, "RPC_CALL_FAIL"), make_rpc_failure(-503, "Timeout")}) {
    INFO(to_string(f.kind));
    circuit_breaker c{breaker_config{2, 10s}};
    fail_n(c, 3, 2, f, t0());
    CHECK(c.state(3, t0()) == breaker_state::open);
  }
}

TEST_CASE("circuit_breaker: failures must be consecutive", "[retry][breaker]") {
  circuit_breaker b{breaker_config{3, 10s}};
  fail_n(b, 2, 2, unsent(), t0());
  b.record_success(2, false, t0());
  fail_n(b, 2, 2, unsent(), t0());
  CHECK(b.state(2, t0()) == breaker_state::closed);
  // A server answer (even an error) is proof of life too.
  b.record_failure(2, make_rpc_failure(400, "CHAT_INVALID"), false, t0());
  CHECK(b.consecutive_failures(2) == 0);
  fail_n(b, 2, 2, unsent(), t0());
  CHECK(b.state(2, t0()) == breaker_state::closed);
  fail_n(b, 2, 1, unsent(), t0());
  CHECK(b.state(2, t0()) == breaker_state::open);
}

TEST_CASE("circuit_breaker: probe answered with a 4xx closes, a dropped probe frees the slot",
          "[retry][breaker]") {
  circuit_breaker b{breaker_config{1, 1s}};
  fail_n(b, 2, 1, unsent(), t0());
  REQUIRE(b.admit(2, at(1s)).probe);
  b.record_failure(2, make_failure(errc::dropped, error_detail{}), true, at(1s));
  CHECK(b.state(2, at(1s)) == breaker_state::half_open);
  auto again = b.admit(2, at(1s));
  REQUIRE(again.probe);
  // A non-probe failure while half-open does not touch the probe.
  b.record_failure(2, unsent(), false, at(1s));
  CHECK(b.state(2, at(1s)) == breaker_state::half_open);
  CHECK_FALSE(b.admit(2, at(1s)).allowed);
  b.record_failure(2, make_rpc_failure(400, "PEER_ID_INVALID"), true, at(2s));
  CHECK(b.state(2, at(2s)) == breaker_state::closed);
}

TEST_CASE("circuit_breaker: cancel_probe frees the slot", "[retry][breaker]") {
  circuit_breaker b{breaker_config{1, 0ms}};
  fail_n(b, 2, 1, unsent(), t0());
  REQUIRE(b.admit(2, t0()).probe);
  CHECK_FALSE(b.admit(2, t0()).allowed);
  b.cancel_probe(2);
  CHECK(b.admit(2, t0()).probe);
}

TEST_CASE("circuit_breaker rejects nonsense configuration", "[retry][breaker]") {
  CHECK_THROWS_AS(circuit_breaker(breaker_config{0, 1s}), std::invalid_argument);
  CHECK_THROWS_AS(circuit_breaker(breaker_config{1, -1ms}), std::invalid_argument);
}

namespace {

// A policy that always retries after a fixed delay and counts what it sees.
class always_retry : public retry_policy {
public:
  explicit always_retry(retry_delay d) : delay(d) {}
  retry_decision on_failure(const retry_context&) override {
    ++failures;
    return retry_decision::after(delay);
  }
  void on_success(const request_info&) override { ++successes; }
  admission admit(const request_info&) override {
    ++admits;
    return refuse_all ? admission::refuse(make_failure(errc::overloaded, error_detail{}))
                      : admission::allow();
  }
  retry_delay delay;
  int failures = 0;
  int successes = 0;
  int admits = 0;
  bool refuse_all = false;
};

retry_context attempted(failure f, retry_time now, bool probe = false) {
  retry_context c;
  c.error = std::move(f);
  c.dc_id = 2;
  c.now = now;
  c.probe = probe;
  return c;
}

} // namespace

TEST_CASE("breaker_policy composes a breaker around an inner policy", "[retry][breaker]") {
  auto breaker = std::make_shared<circuit_breaker>(breaker_config{2, 10s});
  auto inner = std::make_shared<always_retry>(1s);
  breaker_policy p{breaker, inner};

  // Closed: the inner policy decides.
  CHECK(p.admit(request_info{2, 1, t0(), false}).allowed);
  auto d = p.on_failure(attempted(unsent(), t0()));
  CHECK(d.retry);
  CHECK(d.delay == 1s);
  CHECK(inner->failures == 1);

  // The failure that opens the circuit: a retry inside the cooldown would
  // only be refused, so the request fails now with its own error.
  CHECK_FALSE(p.on_failure(attempted(unsent(), t0())).retry);
  CHECK(inner->failures == 2);
  CHECK(breaker->state(2, t0()) == breaker_state::open);

  // Open: refused before the inner policy is asked.
  int admits = inner->admits;
  auto refused = p.admit(request_info{2, 1, at(1s), false});
  CHECK_FALSE(refused.allowed);
  CHECK(refused.refusal.code == errc::circuit_open);
  CHECK(inner->admits == admits);

  // Half-open: the probe flag comes back through admit; its success closes.
  auto probe = p.admit(request_info{2, 1, at(10s), false});
  CHECK(probe.allowed);
  CHECK(probe.probe);
  p.on_success(request_info{2, 1, at(10s), true});
  CHECK(breaker->state(2, at(10s)) == breaker_state::closed);
  CHECK(inner->successes == 1);

  // Failures made up before sending (attempted = false) are not the DC's.
  retry_context gate = attempted(unsent(), at(11s));
  gate.attempted = false;
  p.on_failure(gate);
  p.on_failure(gate);
  CHECK(breaker->state(2, at(11s)) == breaker_state::closed);
}

TEST_CASE("breaker_policy: a retry that ends after the cooldown may go", "[retry][breaker]") {
  auto breaker = std::make_shared<circuit_breaker>(breaker_config{1, 10s});
  auto inner = std::make_shared<always_retry>(10s);
  breaker_policy p{breaker, inner};
  auto d = p.on_failure(attempted(unsent(), t0()));
  CHECK(d.retry);
  CHECK(d.delay == 10s);
  CHECK(p.admit(request_info{2, 1, at(10s), false}).probe);
}

TEST_CASE("breaker_policy: an inner refusal returns the probe", "[retry][breaker]") {
  auto breaker = std::make_shared<circuit_breaker>(breaker_config{1, 0ms});
  auto inner = std::make_shared<always_retry>(0ms);
  breaker_policy p{breaker, inner};
  p.on_failure(attempted(unsent(), t0()));
  REQUIRE(breaker->state(2, t0()) == breaker_state::half_open);
  inner->refuse_all = true;
  auto a = p.admit(request_info{2, 1, t0(), false});
  CHECK_FALSE(a.allowed);
  CHECK(a.refusal.code == errc::overloaded);
  inner->refuse_all = false;
  CHECK(p.admit(request_info{2, 1, t0(), false}).probe);
}

TEST_CASE("with_breaker shares one breaker across policies", "[retry][breaker]") {
  auto breaker = std::make_shared<circuit_breaker>(breaker_config{2, 10s});
  auto a = with_breaker(breaker, std::make_shared<no_retries>());
  auto b = with_breaker(breaker, std::make_shared<always_retry>(1s));
  a->on_failure(attempted(unsent(), t0()));
  b->on_failure(attempted(unsent(), t0()));
  CHECK(breaker->state(2, t0()) == breaker_state::open);
  CHECK_FALSE(a->admit(request_info{2, 1, t0(), false}).allowed);
  CHECK_FALSE(b->admit(request_info{2, 1, t0(), false}).allowed);
  CHECK_THROWS_AS(breaker_policy(nullptr, std::make_shared<no_retries>()), std::invalid_argument);
  CHECK_THROWS_AS(breaker_policy(breaker, nullptr), std::invalid_argument);
}
