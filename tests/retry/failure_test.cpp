#include "mtsender/actors/retry/failure.hpp"
#include "mtsender/actors/retry/no_retries.hpp"
#include "mtsender/actors/retry/retry_call.hpp"

#include "support.hpp"

#include <caf/sec.hpp>
#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::retry;
using namespace retry_test;

TEST_CASE("classify turns caf::errors into failures", "[retry][failure]") {
  auto flood = classify(make_rpc_error(rpc_error::parse(420, "FLOOD_WAIT_30"), 2));
  CHECK(flood.ours);
  CHECK(flood.code == errc::rpc_failed);
  CHECK(flood.kind == failure_class::flood);
  CHECK(flood.flood_wait_seconds() == 30);
  CHECK(flood.detail.dc_id == 2);
  CHECK(flood.answered());
  CHECK_FALSE(flood.transient());

  auto migrate = classify(make_rpc_error(rpc_error::parse(303, "PHONE_MIGRATE_4")));
  CHECK(migrate.kind == failure_class::migrate);
  CHECK(migrate.migrate_dc() == 4);
  CHECK_FALSE(migrate.flood_wait_seconds());

  auto internal = classify(make_rpc_error(rpc_error::parse(500, "INTERDC_2_CALL_ERROR")));
  CHECK(internal.kind == failure_class::internal);
  CHECK(internal.transient());

  auto bad = classify(make_rpc_error(rpc_error::parse(400, "CHAT_INVALID")));
  CHECK(bad.kind == failure_class::request);
  CHECK_FALSE(bad.transient());
  CHECK_FALSE(bad.migrate_dc());

  error_detail lost;
  lost.may_have_executed = true;
  CHECK(classify(make_error(errc::connection_lost, lost)).kind == failure_class::io_maybe_sent);
  lost.may_have_executed = false;
  CHECK(classify(make_error(errc::connection_lost, lost)).kind == failure_class::io_unsent);
  CHECK(classify(make_error(errc::connection_failed, "refused")).kind == failure_class::io_unsent);
  error_detail t;
  t.transport_code = -404;
  auto tr = classify(make_error(errc::transport_error, t));
  CHECK(tr.kind == failure_class::transport);
  CHECK(tr.detail.transport_code == -404);
  CHECK(classify(make_error(errc::deadline_exceeded)).kind == failure_class::deadline);
  CHECK(classify(make_error(errc::circuit_open)).kind == failure_class::circuit_open);
  CHECK(classify(make_error(errc::dropped)).kind == failure_class::other);
  CHECK(classify(make_error(errc::malformed_reply, "bad")).kind == failure_class::other);
}

TEST_CASE("classify survives foreign and malformed errors", "[retry][failure]") {
  auto foreign = classify(caf::make_error(caf::sec::request_timeout));
  CHECK_FALSE(foreign.ours);
  CHECK(foreign.kind == failure_class::other);
  CHECK_FALSE(foreign.transient());
  CHECK_FALSE(foreign.answered());
  auto none = classify(caf::error{});
  CHECK_FALSE(none.ours);
  CHECK(none.detail.what.find("empty") != std::string::npos);
  // Rebuilt as an error of ours that says what happened, never rpc_failed.
  auto rebuilt = to_error(none);
  CHECK(rebuilt == errc::dropped);
  REQUIRE(detail_of(rebuilt) != nullptr);
  CHECK(detail_of(rebuilt)->what == none.detail.what);
  // Our category, but a code we never made and no detail.
  auto odd = classify(caf::error{200, error_category});
  CHECK(odd.ours);
  CHECK(odd.kind == failure_class::other);
  // Our category with a context that is not an error_detail.
  auto wrong_ctx = classify(caf::error{static_cast<uint8_t>(errc::rpc_failed), error_category,
                                       caf::make_message(std::string("x"))});
  CHECK(wrong_ctx.kind == failure_class::request);
  CHECK_FALSE(wrong_ctx.flood_wait_seconds());
}

TEST_CASE("retry_call answers with the original caf::error or a made one", "[retry][failure]") {
  retry_call rc{std::make_shared<no_retries>(), nullptr, 2, 7, std::nullopt};
  REQUIRE(rc.before_send(t0()).kind == step_kind::send);
  auto original = caf::make_error(caf::sec::request_timeout);
  auto s = rc.on_error(original, t0());
  REQUIRE(s.kind == step_kind::fail);
  CHECK(s.reported);
  CHECK(rc.error_of(s) == original);

  auto floods = std::make_shared<flood_wait_registry>();
  floods->note(2, 7, at(10s));
  retry_call gated{std::make_shared<no_retries>(), floods, 2, 7, std::nullopt};
  auto g = gated.before_send(t0());
  REQUIRE(g.kind == step_kind::fail);
  auto err = gated.error_of(g);
  CHECK(err == errc::rpc_failed);
  auto* d = detail_of(err);
  REQUIRE(d != nullptr);
  CHECK(d->rpc.flood_wait_seconds() == 10);
  CHECK(d->dc_id == 2);

  // A flood error reported through retry_call is remembered for the method.
  auto floods2 = std::make_shared<flood_wait_registry>();
  retry_call rc2{std::make_shared<no_retries>(), floods2, 2, 7, std::nullopt};
  REQUIRE(rc2.before_send(t0()).kind == step_kind::send);
  auto f = rc2.on_error(make_rpc_error(rpc_error::parse(420, "FLOOD_WAIT_3"), 2), t0());
  CHECK(f.kind == step_kind::fail);
  CHECK(floods2->remaining(2, 7, t0()) == retry_delay(3s));
}
