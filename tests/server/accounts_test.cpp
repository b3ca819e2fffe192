// Accounts in the test DC: bot login, AUTH_KEY_UNREGISTERED, exported
// authorizations across the DCs of one server, home DCs and the file DC.
#include "server_fixture.hpp"

#include "mtsender/tests/test_dc/accounts.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/cli.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <catch2/catch.hpp>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

namespace {

server_options two_dcs() {
  return default_options({dc_endpoint{2, "127.0.0.1", 0}, dc_endpoint{4, "127.0.0.1", 0}});
}

byte_buffer import_bot(const std::string& token) {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(auth_import_bot_authorization_id);
  w.write_int32(0);
  w.write_int32(12345);
  w.write_string("0123456789abcdef");
  w.write_string(token);
  return q;
}

byte_buffer get_self() {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(users_get_users_id);
  w.write_vector_header(1);
  w.write_uint32(0xf7c1b13f);   // inputUserSelf
  return q;
}

byte_buffer export_to(int32_t dc) {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(auth_export_authorization_id);
  w.write_int32(dc);
  return q;
}

byte_buffer import_auth(int64_t id, byte_view bytes) {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(auth_import_authorization_id);
  w.write_int64(id);
  w.write_bytes(bytes);
  return q;
}

std::string error_of(byte_view result) {
  tl::reader r{result};
  if (r.peek_uint32() != tl::rpc_error::id)
    return "";
  auto e = tl::rpc_error::read(r);
  return std::to_string(e.error_code) + " " + e.error_message;
}

// auth.authorization flags user:User -> the user's id.
int64_t user_of_authorization(byte_view result) {
  tl::reader r{result};
  r.expect_id(auth_authorization_id, "auth.authorization");
  CHECK(r.read_uint32("flags") == 0);
  r.expect_id(user_id, "user");
  const uint32_t flags = r.read_uint32("flags");
  CHECK((flags & (1u << 14)) != 0);   // bot
  CHECK((flags & (1u << 10)) != 0);   // self
  r.read_uint32("flags2");
  const int64_t id = r.read_int64("id");
  r.read_int64("access_hash");
  CHECK_FALSE(r.read_string("first_name").empty());
  CHECK_FALSE(r.read_string("username").empty());
  r.read_int32("bot_info_version");
  r.expect_end("auth.authorization");
  return id;
}

struct exported {
  int64_t id = 0;
  byte_buffer bytes;
};

exported read_exported(byte_view result) {
  tl::reader r{result};
  r.expect_id(auth_exported_authorization_id, "auth.exportedAuthorization");
  exported e;
  e.id = r.read_int64("id");
  e.bytes = r.read_bytes("bytes").to_buffer();
  r.expect_end("auth.exportedAuthorization");
  return e;
}

byte_buffer call(test_client& c, byte_view q) { return c.expect_result(c.send(q)); }

} // namespace

TEST_CASE("a bot logs in with ID:SECRET, unauthorized keys get AUTH_KEY_UNREGISTERED",
          "[server][accounts]") {
  running_server rs{two_dcs()};
  auto c = session_client(rs, 2);
  CHECK(error_of(call(*c, get_self())) == "401 AUTH_KEY_UNREGISTERED");
  CHECK(error_of(call(*c, export_to(4))) == "401 AUTH_KEY_UNREGISTERED");
  for (auto bad : {"123", ":abc", "12a:x", "0:x", "123:", "-5:x"})
    CHECK(error_of(call(*c, import_bot(bad))) == "400 ACCESS_TOKEN_INVALID");
  CHECK(user_of_authorization(call(*c, import_bot("123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")))
        == 123456);
  auto users = call(*c, get_self());
  tl::reader r{users};
  CHECK(r.read_vector_header(4) == 1);
  r.expect_id(user_id, "user");
  // Another key on the same DC is not authorized by it.
  auto other = session_client(rs, 2);
  CHECK(error_of(call(*other, get_self())) == "401 AUTH_KEY_UNREGISTERED");
}

TEST_CASE("export and import an authorization across the DCs of one server",
          "[server][accounts]") {
  running_server rs{two_dcs()};
  auto home = session_client(rs, 2);
  REQUIRE(user_of_authorization(call(*home, import_bot("77:secret"))) == 77);
  CHECK(error_of(call(*home, export_to(2))) == "400 DC_ID_INVALID");   // its own DC
  CHECK(error_of(call(*home, export_to(9))) == "400 DC_ID_INVALID");   // not served
  auto e = read_exported(call(*home, export_to(4)));
  CHECK(e.id == 77);
  CHECK(e.bytes.size() >= 16);
  auto there = session_client(rs, 4);
  CHECK(error_of(call(*there, get_self())) == "401 AUTH_KEY_UNREGISTERED");
  // Wrong id, wrong DC: refused, and the bytes are not spent by that.
  CHECK(error_of(call(*there, import_auth(78, e.bytes))) == "400 AUTH_BYTES_INVALID");
  auto other_home = session_client(rs, 2);
  CHECK(error_of(call(*other_home, import_auth(77, e.bytes))) == "400 AUTH_BYTES_INVALID");
  CHECK(user_of_authorization(call(*there, import_auth(77, e.bytes))) == 77);
  CHECK(error_of(call(*there, get_self())).empty());
  // Good once.
  auto third = session_client(rs, 4);
  CHECK(error_of(call(*third, import_auth(77, e.bytes))) == "400 AUTH_BYTES_INVALID");
  byte_buffer forged = e.bytes;
  forged[0] ^= 1;
  CHECK(error_of(call(*third, import_auth(77, forged))) == "400 AUTH_BYTES_INVALID");
}

TEST_CASE("exported bytes expire", "[server][accounts]") {
  auto o = two_dcs();
  o.accounts.export_ttl_s = -1;   // already stale when made
  running_server rs{o};
  auto home = session_client(rs, 2);
  REQUIRE(user_of_authorization(call(*home, import_bot("5:x"))) == 5);
  auto e = read_exported(call(*home, export_to(4)));
  auto there = session_client(rs, 4);
  CHECK(error_of(call(*there, import_auth(5, e.bytes))) == "400 AUTH_BYTES_INVALID");
}

TEST_CASE("home DCs and the file DC: USER_MIGRATE and FILE_MIGRATE", "[server][accounts]") {
  auto o = two_dcs();
  o.accounts.home_dc[42] = 4;
  o.accounts.files_dc = 4;
  running_server rs{o};
  auto c2 = session_client(rs, 2);
  CHECK(error_of(call(*c2, import_bot("42:k"))) == "303 USER_MIGRATE_4");
  CHECK(error_of(call(*c2, get_self())) == "401 AUTH_KEY_UNREGISTERED");
  CHECK(user_of_authorization(call(*c2, import_bot("43:k"))) == 43);   // no home: anywhere
  auto c4 = session_client(rs, 4);
  CHECK(user_of_authorization(call(*c4, import_bot("42:k"))) == 42);
  const auto get_file = pattern_file_query(0, 4096);
  CHECK(error_of(call(*c2, get_file)) == "303 FILE_MIGRATE_4");
  CHECK(error_of(call(*c4, get_file)).empty());
}

TEST_CASE("only the listed bot tokens, when the switch says so", "[server][accounts]") {
  auto o = two_dcs();
  o.accounts.accept_any_bot_token = false;
  o.accounts.bot_tokens = {"5:right"};
  running_server rs{o};
  auto c = session_client(rs, 2);
  CHECK(error_of(call(*c, import_bot("5:wrong"))) == "400 ACCESS_TOKEN_INVALID");
  CHECK(user_of_authorization(call(*c, import_bot("5:right"))) == 5);
  o.accounts.enabled = false;
  running_server off{o};
  auto d = session_client(off, 2);
  CHECK(error_of(call(*d, import_bot("5:right"))) == "400 METHOD_INVALID");
}

TEST_CASE("command line: account flags", "[server][accounts][cli]") {
  auto o = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k", "--bot-token",
                               "1:a", "--bot-token", "2:b", "--only-listed-bot-tokens",
                               "--home-dc", "42=4", "--files-dc", "4"});
  CHECK(o.accounts.bot_tokens == std::vector<std::string>{"1:a", "2:b"});
  CHECK_FALSE(o.accounts.accept_any_bot_token);
  CHECK(o.accounts.home_dc.at(42) == 4);
  CHECK(o.accounts.files_dc == 4);
  CHECK(o.files.files_dc == 4);   // one switch: uploads are kept there too
  CHECK_FALSE(parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k", "--no-accounts"})
                .accounts.enabled);
  CHECK_THROWS_WITH(parse_command_line({"--home-dc", "42"}), Catch::Contains("ACCOUNT=DC"));
}

TEST_CASE("command line: phone logins", "[server][accounts][cli]") {
  auto o = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k", "--phone",
                               "+15550004=444@4"});
  REQUIRE(o.accounts.phones.count("+15550004") == 1);
  CHECK(o.accounts.phones.at("+15550004").account == 444);
  CHECK(o.accounts.phones.at("+15550004").home_dc == 4);
  CHECK(o.accounts.phone_migrate);
  CHECK_FALSE(parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k",
                                  "--no-phone-migrate"})
                .accounts.phone_migrate);
  CHECK_THROWS_WITH(parse_command_line({"--phone", "+1555"}), Catch::Contains("PHONE=ACCOUNT@DC"));
  CHECK_THROWS_WITH(parse_command_line({"--phone", "+1555=12"}),
                    Catch::Contains("PHONE=ACCOUNT@DC"));
}
