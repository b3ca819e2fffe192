// The API-layer rules of the test DC, with the rules on (api_rules.hpp):
// CONNECTION_NOT_INITED, CONNECTION_LAYER_INVALID, invokeWithoutUpdates, and
// each rule's off switch.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/cli.hpp"
#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

server_options rules_on() {
  server_options o;
  o.rsa_key = shared_test_key();
  return o;   // the defaults: every rule on
}

byte_buffer query(uint32_t id) {
  byte_buffer q;
  tl::writer{q}.write_uint32(id);
  return q;
}

byte_buffer with_init(byte_view q, int32_t layer = newest_layer) {
  tl::init_connection_params p;
  p.api_id = 1;
  p.device_model = "test";
  p.system_version = "1";
  p.app_version = "1";
  p.system_lang_code = "en";
  p.lang_code = "en";
  byte_buffer out;
  tl::writer w{out};
  tl::write_invoke_with_layer_header(w, layer);
  tl::write_init_connection(w, p, q);
  return out;
}

byte_buffer without_updates(byte_view q) {
  byte_buffer out;
  tl::writer w{out};
  tl::write_invoke_without_updates_header(w);
  w.write_raw(q);
  return out;
}

std::string error_of(byte_view result) {
  tl::reader r{result};
  if (r.peek_uint32() != tl::rpc_error::id)
    return "";
  return tl::rpc_error::read(r).error_message;
}

byte_buffer nearest() { return query(help_get_nearest_dc_id); }

} // namespace

TEST_CASE("API calls in a session without initConnection get CONNECTION_NOT_INITED",
          "[server][rules]") {
  running_server rs{rules_on()};
  auto c = session_client(rs);   // a ping went through: service messages are exempt
  CHECK(error_of(c->expect_result(c->send(nearest()))) == "CONNECTION_NOT_INITED");
  // invokeWithLayer alone does not initialize.
  byte_buffer layer_only;
  tl::writer w{layer_only};
  tl::write_invoke_with_layer(w, newest_layer, nearest());
  CHECK(error_of(c->expect_result(c->send(layer_only))) == "CONNECTION_NOT_INITED");
  // Service messages still work.
  c->send(tl::serialize(tl::get_future_salts{2}));
  CHECK_NOTHROW(c->expect(tl::future_salts::id));
  // auth.bindTempAuthKey comes before initConnection (core.telegram.org/api/pfs):
  // it reaches the method's own checks (an empty body here), not the rule.
  CHECK(error_of(c->expect_result(c->send(query(auth_bind_temp_auth_key_id))))
        == "INPUT_FETCH_ERROR");
  CHECK(rs.srv.counters().rpc_errors == 3);
  // Initialized: the wrapped call and every later bare one run.
  CHECK(error_of(c->expect_result(c->send(with_init(nearest())))).empty());
  CHECK(error_of(c->expect_result(c->send(nearest()))).empty());
  // The rule is per MTProto session: another session of the same key starts over.
  auto other = rs.connect();
  other.use_key(c->auth_key(), c->salt(), c->session_id() + 1);
  CHECK(error_of(other.expect_result(other.send(nearest()))) == "CONNECTION_NOT_INITED");
  // The same session on a new connection stays initialized.
  auto again = rs.connect();
  again.use_key(c->auth_key(), c->salt(), c->session_id());
  // (its seqno goes on from the old connection's, or the server refuses it: 32)
  const int64_t id = again.send(nearest(), true,
                                send_overrides{std::nullopt, 1001, std::nullopt, std::nullopt});
  CHECK(error_of(again.expect_result(id)).empty());
}

TEST_CASE("a layer the server does not serve gets CONNECTION_LAYER_INVALID", "[server][rules]") {
  auto o = rules_on();
  o.rules.min_layer = 100;
  o.rules.max_layer = 200;
  running_server rs{o};
  auto c = session_client(rs);
  CHECK(error_of(c->expect_result(c->send(with_init(nearest(), 201))))
        == "CONNECTION_LAYER_INVALID");
  CHECK(error_of(c->expect_result(c->send(with_init(nearest(), 99))))
        == "CONNECTION_LAYER_INVALID");
  // A refused initConnection initializes nothing.
  CHECK(error_of(c->expect_result(c->send(nearest()))) == "CONNECTION_NOT_INITED");
  CHECK(error_of(c->expect_result(c->send(with_init(nearest(), 200)))).empty());
  CHECK(error_of(c->expect_result(c->send(with_init(nearest(), 100)))).empty());
}

TEST_CASE("invokeWithoutUpdates: pushed updates skip sessions that opted out", "[server][rules]") {
  auto o = rules_on();
  const bool honour = GENERATE(true, false);
  o.rules.honour_without_updates = honour;
  running_server rs{o};
  auto quiet = session_client(rs);
  auto loud = session_client(rs);
  auto fresh = session_client(rs);   // no API call yet: still gets updates
  CHECK(error_of(quiet->expect_result(quiet->send(without_updates(with_init(nearest()))))).empty());
  CHECK(error_of(quiet->expect_result(quiet->send(without_updates(nearest())))).empty());
  CHECK(error_of(loud->expect_result(loud->send(with_init(nearest())))).empty());
  byte_buffer update = query(0x74ae4240);
  tl::writer{update}.write_int64(7);
  CHECK(rs.srv.push_update(update) == (honour ? 2u : 3u));
  CHECK_NOTHROW(loud->expect(0x74ae4240));
  CHECK_NOTHROW(fresh->expect(0x74ae4240));
  if (honour) {
    CHECK(quiet->silent_for(std::chrono::milliseconds(200)));
    CHECK(rs.srv.push_update(update, 2, quiet->session_id()) == 0);
    // One call outside invokeWithoutUpdates subscribes it, for good.
    CHECK(error_of(quiet->expect_result(quiet->send(nearest()))).empty());
    CHECK(error_of(quiet->expect_result(quiet->send(without_updates(nearest())))).empty());
    CHECK(rs.srv.push_update(update, 2, quiet->session_id()) == 1);
  }
  CHECK_NOTHROW(quiet->expect(0x74ae4240));
}

TEST_CASE("the init rule has an off switch", "[server][rules]") {
  auto o = rules_on();
  o.rules.require_init_connection = false;
  running_server rs{o};
  auto c = session_client(rs);
  CHECK(error_of(c->expect_result(c->send(nearest()))).empty());
  // The layer rule still applies.
  CHECK(error_of(c->expect_result(c->send(with_init(nearest(), newest_layer + 1))))
        == "CONNECTION_LAYER_INVALID");
}

TEST_CASE("command line: the API rules' switches", "[server][rules][cli]") {
  auto d = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k"});
  CHECK(d.rules.require_init_connection);
  CHECK(d.rules.honour_without_updates);
  CHECK(d.rules.max_layer == newest_layer);
  auto o = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k",
                               "--no-init-required", "--no-updates-opt-out", "--layers",
                               "150-190"});
  CHECK_FALSE(o.rules.require_init_connection);
  CHECK_FALSE(o.rules.honour_without_updates);
  CHECK(o.rules.min_layer == 150);
  CHECK(o.rules.max_layer == 190);
  auto push = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k",
                                  "--push-update-every", "250", "--push-update", "7eaf17e3"});
  CHECK(push.push_every_ms == 250);
  CHECK(push.push_body == byte_buffer{0x7e, 0xaf, 0x17, 0xe3});
  CHECK_THROWS_WITH(parse_command_line({"--push-update", "7eaf17"}),
                    Catch::Contains("multiple of 4"));
  CHECK_THROWS_WITH(parse_command_line({"--push-update-every", "0"}),
                    Catch::Contains("out of range"));
  CHECK_THROWS_WITH(parse_command_line({"--layers", "190-150"}), Catch::Contains("MIN is above MAX"));
  CHECK_THROWS_WITH(parse_command_line({"--layers", "abc"}), Catch::Contains("not MIN-MAX"));
  CHECK_THROWS_WITH(parse_command_line({"--layers", "0-5"}), Catch::Contains("out of range"));
}
