// Cancelling by the handle the typed invoke returns (messages/invoke.hpp):
// every invoke has a token (the caller's, or one the library made), a
// cancel by it answers the request errc::cancelled once, and a cancel racing
// the answer still leaves exactly one answer.
#include "mtsender/api/NearestDc.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/messages/request_token.hpp"
#include "mtsender/tests/actors/pool_fixture.hpp"

#include <set>

using namespace pool_test;

namespace {

bool cancel(caf::scoped_actor& self, const dc_pool& pool, uint64_t token) {
  bool found = false;
  self->request(pool, 5s, cancel_atom::value, token)
    .receive([&](bool f) { found = f; }, [&](caf::error& e) { FAIL("cancel: " << to_string(e)); });
  return found;
}

byte_buffer nearest_dc_answer(int32_t dc) {
  api::nearestDc n;
  n.country = "ZZ";
  n.this_dc = dc;
  n.nearest_dc = dc;
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, n);
  return out;
}

} // namespace

TEST_CASE("library tokens are unique, never 0 and never a small caller token",
          "[actors][cancel]") {
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    auto t = next_request_token();
    CHECK((t & library_token_bit) != 0);
    seen.insert(t);
  }
  CHECK(seen.size() == 10000);
}

TEST_CASE("cancel by the typed invoke's handle: cancelled once, the caller's token kept",
          "[actors][pool][cancel]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(test_dc::help_get_nearest_dc_id,
         [](const test_dc::rpc_call&) { return test_dc::rpc_reply::no_answer(); });
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  auto a = invoke(self, pool, 2, api::help::getNearestDc{});
  auto b = invoke(self, pool, 2, api::help::getNearestDc{});
  rpc_options mine;
  mine.token = 77;
  auto c = invoke(self, pool, 2, api::help::getNearestDc{}, mine);
  CHECK(a.token() != 0);
  CHECK(a.token() != b.token());
  CHECK(c.token() == 77);
  REQUIRE(server_got(srv, 2, test_dc::help_get_nearest_dc_id, 3));
  CHECK(cancel(self, pool, a.token()));
  CHECK_FALSE(cancel(self, pool, a.token()));   // answered already
  CHECK(cancel(self, pool, 77));
  CHECK(cancel(self, pool, b.token()));
  for (auto* h : {&a, &c, &b}) {
    int answers = 0;
    h->receive([&](api::nearestDc&) { ++answers; },
               [&](caf::error& e) {
                 ++answers;
                 CHECK(e == errc::cancelled);
               });
    CHECK(answers == 1);
  }
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a cancel by handle racing the answer: exactly one answer", "[actors][pool][cancel]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(test_dc::help_get_nearest_dc_id, [](const test_dc::rpc_call& c) {
    return test_dc::rpc_reply::result(nearest_dc_answer(c.dc_id))
      .after(std::chrono::milliseconds(c.call_number % 4));
  });
  auto cfg = pool_config_for(srv, 2);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  CHECK(invoke_one(self, pool, 2, request_of(nearest_dc_query())).value);
  int cancelled = 0, answered = 0;
  for (int i = 1; i <= 40; ++i) {
    auto h = invoke(self, pool, 2, api::help::getNearestDc{});
    if (i % 3 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(i % 5));
    const bool found = cancel(self, pool, h.token());
    int answers = 0;
    bool was_cancelled = false;
    h.receive([&](api::nearestDc& r) {
                ++answers;
                CHECK(r.this_dc == 2);
              },
              [&](caf::error& e) {
                ++answers;
                was_cancelled = e == errc::cancelled;
              });
    CHECK(answers == 1);
    CHECK(found == was_cancelled);
    (was_cancelled ? cancelled : answered) += 1;
  }
  CHECK(stray_messages(self, 300ms) == 0);
  CHECK(cancelled + answered == 40);
  stop(self, pool);
}
