// messages/: errors carry their detail, every message type survives CAF's
// binary serialization (what crosses nodes), and the renderer names causes.
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/connection_actor.hpp"
#include "mtsender/messages/dc_config.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/session_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <catch2/catch.hpp>

#include <memory>

using namespace mtsender;

namespace {

struct node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  node() {
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

// Serializes x into bytes and reads it back into a fresh T, as a remote
// node would.
template <class T>
T round_trip(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(x);
  REQUIRE(!err);
  T out{};
  caf::binary_deserializer source{sys, buf};
  err = source(out);
  REQUIRE(!err);
  return out;
}

} // namespace

TEST_CASE("errc names are distinct and known", "[messages][error]") {
  std::set<std::string> names;
  for (int i = 1; i <= static_cast<int>(errc::server_rejected); ++i) {
    std::string n = to_string(static_cast<errc>(i));
    CHECK(n != "unknown_errc");
    names.insert(n);
  }
  CHECK(names.size() == static_cast<size_t>(errc::server_rejected));
  CHECK(std::string(to_string(static_cast<errc>(200))) == "unknown_errc");
}

TEST_CASE("make_error carries a readable detail", "[messages][error]") {
  error_detail d;
  d.what = "socket closed";
  d.may_have_executed = true;
  d.dc_id = 2;
  auto err = make_error(errc::connection_lost, d);
  CHECK(err == caf::error(static_cast<uint8_t>(errc::connection_lost), error_category));
  CHECK(err.category() == error_category);
  auto* got = detail_of(err);
  REQUIRE(got != nullptr);
  CHECK(got->what == "socket closed");
  CHECK(got->may_have_executed);
  CHECK(got->dc_id == 2);

  auto plain = make_error(errc::overloaded, "queue full");
  REQUIRE(detail_of(plain) != nullptr);
  CHECK(detail_of(plain)->what == "queue full");
  CHECK_FALSE(detail_of(plain)->may_have_executed);
}

TEST_CASE("detail_of rejects foreign and empty errors", "[messages][error]") {
  CHECK(detail_of(caf::error{}) == nullptr);
  CHECK(detail_of(caf::make_error(caf::sec::request_timeout)) == nullptr);
  // Our category but a context that is not an error_detail.
  caf::error odd{static_cast<uint8_t>(errc::dropped), error_category,
                 caf::make_message(std::string("x"))};
  CHECK(detail_of(odd) == nullptr);
  caf::error bare{static_cast<uint8_t>(errc::dropped), error_category};
  CHECK(detail_of(bare) == nullptr);
}

TEST_CASE("make_rpc_error keeps the rpc_error", "[messages][error]") {
  rpc_error e;
  e.code = 420;
  e.message = "FLOOD_WAIT_30";
  e.name = "FLOOD_WAIT";
  e.has_value = true;
  e.value = 30;
  auto err = make_rpc_error(e, 4);
  CHECK(err == caf::error(static_cast<uint8_t>(errc::rpc_failed), error_category));
  auto* d = detail_of(err);
  REQUIRE(d != nullptr);
  CHECK(d->rpc == e);
  CHECK(d->rpc.value == 30);
  CHECK(d->dc_id == 4);
  CHECK(d->what.find("FLOOD_WAIT_30") != std::string::npos);
}

TEST_CASE("the registered renderer names code and detail", "[messages][error]") {
  node n;
  error_detail d;
  d.what = "no pong for 75 s";
  d.transport_code = -404;
  d.may_have_executed = true;
  auto text = n.sys->render(make_error(errc::transport_error, d));
  CHECK(text.find("transport_error") != std::string::npos);
  CHECK(text.find("no pong for 75 s") != std::string::npos);
  CHECK(text.find("-404") != std::string::npos);
  CHECK(text.find("may_have_executed") != std::string::npos);
  // Direct call with a foreign context falls back to CAF's to_string.
  auto other = render_error(static_cast<uint8_t>(errc::dropped), error_category,
                            caf::make_message(int32_t{7}));
  CHECK(other.find("dropped") != std::string::npos);
  CHECK(other.find('7') != std::string::npos);
}

TEST_CASE("errors with detail survive serialization", "[messages][error][serialize]") {
  node n;
  error_detail d;
  d.what = "deadline";
  d.rpc.code = 400;
  d.rpc.message = "BAD";
  d.may_have_executed = true;
  auto err = round_trip(*n.sys, make_error(errc::deadline_exceeded, d));
  CHECK(err == caf::error(static_cast<uint8_t>(errc::deadline_exceeded), error_category));
  auto* got = detail_of(err);
  REQUIRE(got != nullptr);
  CHECK(got->what == "deadline");
  CHECK(got->rpc.code == 400);
  CHECK(got->rpc.message == "BAD");
  CHECK(got->may_have_executed);
}

TEST_CASE("message structs survive serialization", "[messages][serialize]") {
  node n;
  rpc_request req;
  req.body = {1, 2, 3, 0xff};
  req.options.deadline_ms = 1234;
  req.options.safe_to_repeat = true;
  req.options.token = 77;
  req.options.invoke_after = 76;
  req.options.max_retries = 3;
  auto r = round_trip(*n.sys, req);
  CHECK(r.body == req.body);
  CHECK(r.options.deadline_ms == 1234);
  CHECK(r.options.safe_to_repeat);
  CHECK(r.options.token == 77);
  CHECK(r.options.invoke_after == 76);
  CHECK(r.options.max_retries == 3);

  rpc_response resp{byte_buffer(1000, 0x5a)};
  CHECK(round_trip(*n.sys, resp).bytes == resp.bytes);

  frame_event ev{2, frame_event_kind::auth_key_created, byte_buffer(256, 7), -99, "k"};
  auto ev2 = round_trip(*n.sys, ev);
  CHECK(ev2.dc_id == 2);
  CHECK(ev2.kind == frame_event_kind::auth_key_created);
  CHECK(ev2.body == ev.body);
  CHECK(ev2.value == -99);
  CHECK(ev2.what == "k");

  session_state s;
  s.dc_id = 3;
  s.auth_key = byte_buffer(256, 1);
  s.auth_key_id = -5;
  s.session_id = 0x1122334455667788;
  s.server_salt = 42;
  s.salt_valid_until = 1700000000;
  s.seq_no = 9;
  s.last_msg_id = 0x5f00000000000004;
  s.time_offset_ns = -1500;
  s.time_synced = true;
  auto s2 = round_trip(*n.sys, s);
  CHECK(s2.auth_key == s.auth_key);
  CHECK(s2.auth_key_id == -5);
  CHECK(s2.session_id == s.session_id);
  CHECK(s2.server_salt == 42);
  CHECK(s2.salt_valid_until == 1700000000);
  CHECK(s2.seq_no == 9);
  CHECK(s2.last_msg_id == s.last_msg_id);
  CHECK(s2.time_offset_ns == -1500);
  CHECK(s2.time_synced);

  connection_stats st;
  st.dc_id = 1;
  st.ready = true;
  st.in_flight = 5;
  st.rtt_us = 321;
  st.containers_sent = 8;
  st.handshake_us = 4242;
  st.messages_ignored = 3;
  auto st2 = round_trip(*n.sys, st);
  CHECK(st2.handshake_us == 4242);
  CHECK(st2.messages_ignored == 3);
  CHECK(st2.ready);
  CHECK(st2.in_flight == 5);
  CHECK(st2.rtt_us == 321);
  CHECK(st2.containers_sent == 8);
}

TEST_CASE("messages holding our types serialize through the registry", "[messages][serialize]") {
  node n;
  // A caf::message is what crosses nodes: its elements are looked up by the
  // registered names, so this fails if a type was not registered.
  auto msg = caf::make_message(invoke_atom::value, rpc_request{{9, 8}, {}});
  auto back = round_trip(*n.sys, msg);
  REQUIRE((back.match_elements<invoke_atom, rpc_request>()));
  CHECK(back.get_as<rpc_request>(1).body == byte_buffer{9, 8});
  auto ev = round_trip(*n.sys, caf::make_message(frame_event{1, frame_event_kind::update, {1}, 0, ""}));
  REQUIRE(ev.match_elements<frame_event>());
  CHECK(ev.get_as<frame_event>(0).kind == frame_event_kind::update);
  CHECK(std::string(to_string(frame_event_kind::gap)) == "gap");
}

TEST_CASE("the DC table messages serialize through the registry", "[messages][serialize]") {
  node n;
  auto req = round_trip(*n.sys, caf::make_message(refresh_dc_config{4, 1500}));
  REQUIRE(req.match_elements<refresh_dc_config>());
  CHECK(req.get_as<refresh_dc_config>(0).dc_id == 4);
  CHECK(req.get_as<refresh_dc_config>(0).deadline_ms == 1500);
  dc_table_snapshot s;
  s.asked_dc = 2;
  s.changed = 1;
  s.dcs.push_back({4, "127.0.0.1", 4431, true, false, true});
  s.rejected.push_back("DC 0 option 3: bad");
  auto back = round_trip(*n.sys, caf::make_message(s));
  REQUIRE(back.match_elements<dc_table_snapshot>());
  const auto& t = back.get_as<dc_table_snapshot>(0);
  CHECK(t.asked_dc == 2);
  CHECK(t.changed == 1);
  REQUIRE(t.dcs.size() == 1);
  CHECK(t.dcs[0].host == "127.0.0.1");
  CHECK(t.dcs[0].port == 4431);
  CHECK(t.dcs[0].learned);
  CHECK(t.dcs[0].obfuscated_only);
  CHECK(t.rejected == std::vector<std::string>{"DC 0 option 3: bad"});
  CHECK(std::string(to_string(frame_event_kind::dc_table_changed)) == "dc_table_changed");
}
