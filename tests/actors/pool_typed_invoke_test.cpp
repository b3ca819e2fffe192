// Typed invoke (messages/invoke.hpp) through the pool against the in-process
// test server: generated functions in, typed results out, from a
// scoped_actor and from an event-based actor; rpc errors and answers that do
// not decode as the result type come back as typed errors.
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/initConnection.hpp"
#include "mtsender/api/invokeWithLayer.hpp"
#include "mtsender/api/layer.hpp"
#include "mtsender/api/messages/getHistory.hpp"
#include "mtsender/api/DcOption.hpp"
#include "mtsender/api/SendMessageAction.hpp"
#include "mtsender/api/Update.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/messages/updates.hpp"
#include "pool_fixture.hpp"

using namespace pool_test;

namespace {

// help.getConfig's id with the wrong result type: the answer (a config)
// cannot decode as a nearestDc.
struct mistyped_get_config {
  using result_type = api::nearestDc;
  static constexpr uint32_t tl_id = api::help::getConfig::tl_id;
  static constexpr const char* tl_name = "help.getConfig (as nearestDc)";
  void write_body(tl::writer&) const {}
  static result_type read_result(tl::reader& r) { return api::read_boxed<api::nearestDc>(r, 0); }
};

using got_atom = caf::atom_constant<caf::atom("tgot")>;

} // namespace

TEST_CASE("typed invoke from a scoped_actor gives the typed result", "[actors][pool][api]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};

  int answers = 0;
  invoke(self, pool, 2, api::help::getConfig{})
    .receive(
      [&](api::config& cfg) {
        ++answers;
        CHECK(cfg.this_dc == 2);
        REQUIRE(cfg.dc_options.size() == 2);
        auto* first = cfg.dc_options[0].get_if<api::dcOption>();
        REQUIRE(first);
        CHECK(first->ip_address == "127.0.0.1");
        CHECK(first->port == srv.port(first->id));
        CHECK(cfg.me_url_prefix == "https://t.me/");
      },
      [&](caf::error& e) { FAIL(n.sys->render(e)); });
  CHECK(answers == 1);

  // Wrapped as a client's first call: the result is still the query's.
  api::invokeWithLayer<api::initConnection<api::help::getNearestDc>> first;
  first.layer = api::layer;
  first.query.api_id = 1;
  first.query.device_model = "test";
  invoke(self, pool, 4, first)
    .receive(
      [&](api::nearestDc& d) {
        ++answers;
        CHECK(d.this_dc == 4);
      },
      [&](caf::error& e) { FAIL(n.sys->render(e)); });
  CHECK(answers == 2);

  // A method the server does not know: its rpc_error, typed as today.
  api::messages::getHistory h;
  h.peer = api::inputPeerSelf{};
  h.limit = 10;
  caf::error err;
  invoke(self, pool, 2, h).receive([&](api::messages::Messages&) { ++answers; },
                                   [&](caf::error& e) { err = e; });
  CHECK(answers == 2);
  CHECK(is(err, errc::rpc_failed));

  // An answer of the wrong type: malformed_reply naming the function.
  invoke(self, pool, 2, mistyped_get_config{})
    .receive([&](api::nearestDc&) { ++answers; }, [&](caf::error& e) { err = e; });
  CHECK(answers == 2);
  CHECK(is(err, errc::malformed_reply));
  REQUIRE(detail_of(err));
  CHECK_THAT(detail_of(err)->what, Catch::Contains("help.getConfig (as nearestDc)")
                                     && Catch::Contains("nearestDc"));
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("typed invoke from an event-based actor gives the typed result",
          "[actors][pool][api]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  caf::actor sink = self;
  n.sys->spawn([pool, sink](caf::event_based_actor* a) {
    invoke(a, pool, 2, api::help::getNearestDc{})
      .then([=](api::nearestDc& d) { a->send(sink, got_atom::value, d.this_dc, d.country); },
            [=](caf::error&) { a->send(sink, got_atom::value, int32_t{-1}, std::string()); });
  });
  int32_t got = 0;
  self->receive([&](got_atom, int32_t dc, const std::string&) { got = dc; },
                caf::after(std::chrono::seconds(30)) >> [&] { got = -2; });
  CHECK(got == 2);
  stop(self, pool);
}

TEST_CASE("an update body decodes into api::Updates with one call", "[actors][api]") {
  api::updateShort s;
  api::updateUserTyping typing;
  typing.user_id = 42;
  typing.action = api::sendMessageTypingAction{};
  s.update = typing;
  s.date = 1700000000;
  api::Updates sent = s;
  frame_event ev;
  ev.kind = frame_event_kind::update;
  tl::writer w{ev.body};
  sent.write(w);
  auto got = decode_updates(ev);
  REQUIRE(got == sent);
  REQUIRE(got.get_if<api::updateShort>());
  CHECK(got.get<api::updateShort>().date == 1700000000);
  // Trailing or cut bytes are a decode error, not a value.
  ev.body.push_back(0);
  CHECK_THROWS_AS(decode_updates(ev), tl::decode_error);
  ev.body.resize(ev.body.size() - 5);
  CHECK_THROWS_AS(decode_updates(ev), tl::decode_error);
}
