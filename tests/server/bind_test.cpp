// Temporary keys and auth.bindTempAuthKey on the test server, as
// core.telegram.org/api/pfs and /method/auth.bindTempAuthKey describe them:
// unbound temporary keys serve nothing but the bind (AUTH_KEY_PERM_EMPTY),
// every check of the bind has its error, and expired or forgotten temporary
// keys get -404 while the permanent key stays.
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/transport/handshake/temp_key_binding.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

byte_buffer nearest_dc() {
  byte_buffer q;
  tl::writer{q}.write_uint32(help_get_nearest_dc_id);
  return q;
}

tl::rpc_error error_of(byte_view result) {
  tl::reader r{result};
  return tl::rpc_error::read(r);
}

bool is_true(byte_view result) {
  return result.size() == 4 && load_le32(result.data()) == tl::bool_true_id;
}

struct keys {
  std::unique_ptr<test_client> perm;   // a connection under the permanent key
  std::unique_ptr<test_client> temp;   // one under the temporary key
  handshake::handshake_result perm_key, temp_key;
};

keys make_keys(running_server& rs, int32_t expires_in = 3600) {
  keys k;
  k.perm = std::make_unique<test_client>(rs.srv.port(2));
  k.perm_key = k.perm->handshake(rs.srv.public_key());
  k.temp = std::make_unique<test_client>(rs.srv.port(2));
  k.temp_key = k.temp->handshake(rs.srv.public_key(), handshake::inner_data_kind::temp_dc, 2,
                                 expires_in);
  return k;
}

int32_t expires_at_of(int32_t in) { return int32_t(unix_now_ns() / 1'000'000'000 + in); }

// Sends auth.bindTempAuthKey on `c` sealed with `perm` for the temporary key
// `temp_id`; `tweak` may change the msg_id the seal names or the session.
byte_buffer send_bind(test_client& c, const crypto::auth_key_bytes& perm, uint64_t temp_id,
                 int64_t seal_msg_id_delta = 0, int64_t session_delta = 0) {
  const int64_t id = c.next_msg_id();
  auto body = handshake::make_bind_request(perm, temp_id,
                                           uint64_t(c.session_id() + session_delta),
                                           expires_at_of(3600), id + seal_msg_id_delta, c.rng());
  send_overrides o;
  o.msg_id = id;
  c.send(body, true, o);
  return c.expect_result(id);
}

} // namespace

TEST_CASE("test DC: an unbound temporary key serves only the bind, then everything",
          "[server][pfs]") {
  running_server rs;
  auto k = make_keys(rs);
  auto before = k.temp->send(nearest_dc());
  auto e = error_of(k.temp->expect_result(before));
  CHECK(e.error_code == 401);
  CHECK(e.error_message == "AUTH_KEY_PERM_EMPTY");

  CHECK(is_true(send_bind(*k.temp, k.perm_key.auth_key, k.temp_key.auth_key_id)));
  CHECK(rs.srv.counters().temp_keys_bound == 1);
  auto after = k.temp->send(nearest_dc());
  auto r = k.temp->expect_result(after);
  CHECK(load_le32(r.data()) == nearest_dc_id);
  // Binding the same pair again is fine.
  CHECK(is_true(send_bind(*k.temp, k.perm_key.auth_key, k.temp_key.auth_key_id)));
}

TEST_CASE("test DC: unbound temporary keys work when the rule is switched off", "[server][pfs]") {
  auto o = default_options();
  o.require_bound_temp_keys = false;
  running_server rs{o};
  auto k = make_keys(rs);
  auto id = k.temp->send(nearest_dc());
  CHECK(load_le32(k.temp->expect_result(id).data()) == nearest_dc_id);
}

TEST_CASE("test DC: each check of auth.bindTempAuthKey has its error", "[server][pfs]") {
  running_server rs;
  auto k = make_keys(rs);
  const auto& perm = k.perm_key.auth_key;
  const auto temp_id = k.temp_key.auth_key_id;
  auto name_of = [](const byte_buffer& result) { return error_of(result).error_message; };

  // Under the permanent key itself.
  CHECK(name_of(send_bind(*k.perm, perm, k.perm_key.auth_key_id)) == "TEMP_AUTH_KEY_EMPTY");
  // Sealed with a key the server does not know.
  crypto::auth_key_bytes stranger = perm;
  stranger[7] ^= 1;
  CHECK(name_of(send_bind(*k.temp, stranger, temp_id)) == "ENCRYPTED_MESSAGE_INVALID");
  // Sealed for another message (a replayed binding).
  CHECK(name_of(send_bind(*k.temp, perm, temp_id, 4)) == "ENCRYPTED_MESSAGE_INVALID");
  // Naming another session or another temporary key.
  CHECK(name_of(send_bind(*k.temp, perm, temp_id, 0, 1)) == "ENCRYPTED_MESSAGE_INVALID");
  CHECK(name_of(send_bind(*k.temp, perm, temp_id ^ 1)) == "ENCRYPTED_MESSAGE_INVALID");
  CHECK(rs.srv.counters().binds_refused == 5);
  CHECK(rs.srv.counters().temp_keys_bound == 0);

  // Bound once, it cannot be bound to another permanent key.
  CHECK(is_true(send_bind(*k.temp, perm, temp_id)));
  test_client other{rs.srv.port(2)};
  auto other_key = other.handshake(rs.srv.public_key());
  CHECK(name_of(send_bind(*k.temp, other_key.auth_key, temp_id)) == "TEMP_AUTH_KEY_ALREADY_BOUND");
}

TEST_CASE("test DC: an expired or forgotten temporary key gets -404, the permanent one stays",
          "[server][pfs]") {
  running_server rs;
  SECTION("expired") {
    auto k = make_keys(rs, 1);
    CHECK(is_true(send_bind(*k.temp, k.perm_key.auth_key, k.temp_key.auth_key_id)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    k.temp->send(nearest_dc());
    auto f = k.temp->read_frame();
    REQUIRE(f);
    CHECK(f->error_code == -404);
  }
  SECTION("forgotten") {
    auto k = make_keys(rs);
    CHECK(is_true(send_bind(*k.temp, k.perm_key.auth_key, k.temp_key.auth_key_id)));
    rs.srv.forget_temp_keys();
    k.temp->send(nearest_dc());
    auto f = k.temp->read_frame();
    REQUIRE(f);
    CHECK(f->error_code == -404);
  }
  CHECK(rs.srv.counters().auth_keys == 1);  // the permanent key
}
