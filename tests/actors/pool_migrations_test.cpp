// *_MIGRATE_X through the pool, against the test DC's accounts: FILE_MIGRATE
// resends that request to DC X, USER_MIGRATE moves the home DC (event, store)
// and resends there, invokes for DC 0 go to the home DC, and the per-invoke
// switch hands the error to the caller instead.
#include "mtsender/api/CodeSettings.hpp"
#include "mtsender/api/auth/SentCode.hpp"
#include "mtsender/api/auth/sendCode.hpp"
#include "mtsender/api/auth/signIn.hpp"
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/tests/test_dc/accounts.hpp"
#include "mtsender/tests/test_dc/phone_login.hpp"

#include <cstdlib>
#include <unistd.h>

using namespace pool_test;

namespace {

byte_buffer get_file() { return test_dc::pattern_file_query(0, 4096); }

byte_buffer import_bot(const std::string& token) {
  byte_buffer q;
  tl::writer w{q};
  w.write_uint32(test_dc::auth_import_bot_authorization_id);
  w.write_int32(0);
  w.write_int32(1);
  w.write_string("hash");
  w.write_string(token);
  return q;
}

bool is_rpc(const outcome& o, const std::string& name) {
  const auto* d = detail_of(o.err);
  return o.err == errc::rpc_failed && d && d->rpc.name == name;
}

} // namespace

TEST_CASE("FILE_MIGRATE_X: the request goes to DC X, unless the invoke says no",
          "[actors][pool][migrate]") {
  node n;
  auto o = two_dcs();
  o.accounts.files_dc = 4;
  test_dc::server srv{o};
  srv.start();
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  auto followed = invoke_one(self, pool, 2, request_of(get_file()));
  REQUIRE(followed.value);
  tl::reader r{followed.value->bytes};
  CHECK(r.read_uint32() == test_dc::upload_file_id);
  CHECK(srv.counters(2).count(test_dc::upload_get_file_id) == 1);   // FILE_MIGRATE_4
  CHECK(srv.counters(4).count(test_dc::upload_get_file_id) == 1);   // the bytes
  auto req = request_of(get_file());
  req.options.follow_migrate = false;
  auto refused = invoke_one(self, pool, 2, std::move(req));
  CHECK(is_rpc(refused, "FILE_MIGRATE"));
  CHECK(detail_of(refused.err)->rpc.migrate_dc() == 4);
  // The home DC did not move for a file.
  CHECK(this_dc_of(invoke_one(self, pool, 0, request_of(nearest_dc_query()))) == 2);
  stop(self, pool);
}

TEST_CASE("USER_MIGRATE_X moves the home DC: event, store, and DC 0 goes there",
          "[actors][pool][migrate]") {
  node n;
  auto o = two_dcs();
  o.accounts.home_dc[42] = 4;
  test_dc::server srv{o};
  srv.start();
  char dir[] = "/tmp/pool_migrateXXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/app.session";
  auto cfg = pool_config_for(srv, 1);
  cfg.store = std::make_shared<store::file_session_store>(path);
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  listen_here(self, pool);
  // DC 0: the home DC, DC 2 (the first configured) until told otherwise.
  CHECK(this_dc_of(invoke_one(self, pool, 0, request_of(nearest_dc_query()))) == 2);
  auto login = invoke_one(self, pool, 0, request_of(import_bot("42:secret")));
  REQUIRE(login.value);
  tl::reader r{login.value->bytes};
  CHECK(r.read_uint32() == test_dc::auth_authorization_id);
  CHECK(srv.counters(2).count(test_dc::auth_import_bot_authorization_id) == 1);
  CHECK(srv.counters(4).count(test_dc::auth_import_bot_authorization_id) == 1);
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::home_dc_changed) == 1;
  }));
  for (auto& e : log)
    if (e.kind == frame_event_kind::home_dc_changed)
      CHECK(e.value == 4);
  CHECK(this_dc_of(invoke_one(self, pool, 0, request_of(nearest_dc_query()))) == 4);
  // Saved: the store's main DC (written by the store's own thread).
  int32_t saved = 0;
  for (int i = 0; i < 100 && saved != 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    try {
      saved = store::file_session_store{path}.load().main_dc;
    } catch (const std::exception&) {
    }
  }
  CHECK(saved == 4);
  stop(self, pool);
  // A new pool on the same store starts with DC 4 as its home.
  auto cfg2 = pool_config_for(srv, 1);
  cfg2.store = std::make_shared<store::file_session_store>(path);
  auto pool2 = spawn_dc_pool(*n.sys, cfg2);
  CHECK(this_dc_of(invoke_one(self, pool2, 0, request_of(nearest_dc_query()))) == 4);
  stop(self, pool2);
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST_CASE("a migration to a DC without an address reaches the caller",
          "[actors][pool][migrate]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(303, "USER_MIGRATE_9");
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1)));
  CHECK(o.answers == 1);
  CHECK(is_rpc(o, "USER_MIGRATE"));
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a server that keeps bouncing a request: its error after two moves",
          "[actors][pool][migrate]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  srv.on(custom_query_id, [](const test_dc::rpc_call& c) {
    return test_dc::rpc_reply::error(303, c.dc_id == 2 ? "FILE_MIGRATE_4" : "FILE_MIGRATE_2");
  });
  auto pool = spawn_dc_pool(*n.sys, pool_config_for(srv, 1));
  caf::scoped_actor self{*n.sys};
  auto o = invoke_one(self, pool, 2, request_of(custom_query(1)));
  CHECK(o.answers == 1);
  CHECK(is_rpc(o, "FILE_MIGRATE"));
  CHECK(srv.counters().count(custom_query_id) == 3);
  stop(self, pool);
}

namespace {

byte_buffer send_code(const std::string& phone) {
  api::auth::sendCode q;
  q.phone_number = phone;
  q.api_id = 1;
  q.api_hash = "hash";
  q.settings = api::codeSettings{};
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, q);
  return out;
}

byte_buffer sign_in(const std::string& phone, const std::string& hash, const std::string& code) {
  api::auth::signIn q;
  q.phone_number = phone;
  q.phone_code_hash = hash;
  q.phone_code = code;
  byte_buffer out;
  tl::writer w{out};
  api::write_boxed(w, q);
  return out;
}

} // namespace

TEST_CASE("PHONE_MIGRATE_X on a phone login moves the home DC and the login goes on there",
          "[actors][pool][migrate]") {
  node n;
  auto o = two_dcs();
  o.accounts.phones["+15550004"] = {444, 4};
  test_dc::server srv{o};
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  listen_here(self, pool);
  auto sent = invoke_one(self, pool, 0, request_of(send_code("+15550004")));
  CHECK(sent.answers == 1);
  REQUIRE(sent.value);
  tl::reader r{sent.value->bytes};
  auto code = api::read_boxed<api::auth::SentCode>(r, 0);
  REQUIRE(code.get_if<api::auth::sentCode>());
  const auto hash = code.get_if<api::auth::sentCode>()->phone_code_hash;
  CHECK(hash == "hash+15550004");
  CHECK(srv.counters(2).count(test_dc::auth_send_code_id) == 1);   // PHONE_MIGRATE_4
  CHECK(srv.counters(4).count(test_dc::auth_send_code_id) == 1);   // the code
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::home_dc_changed) == 1;
  }));
  // The login itself now goes to the new home DC at once.
  auto login = invoke_one(self, pool, 0, request_of(sign_in("+15550004", hash, "12345")));
  REQUIRE(login.value);
  CHECK(load_le32(login.value->bytes.data()) == test_dc::auth_authorization_id);
  CHECK(srv.counters(2).count(test_dc::auth_sign_in_id) == 0);
  CHECK(srv.counters(4).count(test_dc::auth_sign_in_id) == 1);
  // A wrong code is the server's typed error, not a migration.
  auto wrong = invoke_one(self, pool, 0, request_of(sign_in("+15550004", hash, "00000")));
  CHECK(is_rpc(wrong, "PHONE_CODE_INVALID"));
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("PHONE_MIGRATE off in the test DC: the login is served where it is sent",
          "[actors][pool][migrate]") {
  node n;
  auto o = two_dcs();
  o.accounts.phones["+15550004"] = {444, 4};
  o.accounts.phone_migrate = false;
  test_dc::server srv{o};
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.learn_dcs = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  CHECK(invoke_one(self, pool, 0, request_of(send_code("+15550004"))).value);
  CHECK(srv.counters(2).count(test_dc::auth_send_code_id) == 1);
  CHECK(srv.counters(4).count(test_dc::auth_send_code_id) == 0);
  // And the pool does not follow when told not to: the error comes back.
  o.accounts.phone_migrate = true;
  test_dc::server strict{o};
  strict.start();
  auto cfg2 = pool_config_for(strict, 1);
  cfg2.learn_dcs = false;
  auto pool2 = spawn_dc_pool(*n.sys, cfg2);
  auto req = request_of(send_code("+15550004"));
  req.options.follow_migrate = false;
  auto refused = invoke_one(self, pool2, 0, std::move(req));
  CHECK(is_rpc(refused, "PHONE_MIGRATE"));
  CHECK(detail_of(refused.err)->rpc.migrate_dc() == 4);
  auto unknown = invoke_one(self, pool2, 0, request_of(send_code("+10000000")));
  CHECK(is_rpc(unknown, "PHONE_NUMBER_INVALID"));
  stop(self, pool2);
  stop(self, pool);
}
