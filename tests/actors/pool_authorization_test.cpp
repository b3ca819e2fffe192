// Authorization across DCs through the pool, against the test DC with its
// rules on (initConnection required, accounts, 401 AUTH_KEY_UNREGISTERED for
// calls without a login) and the pool doing the init wrapping: a bot logs in
// on DC 2, calls on DC 4 wait for one auth.exportAuthorization on DC 2 and
// one auth.importAuthorization on DC 4, shared by every waiting caller,
// redone after DC 4's key is replaced; a failed export fails the waiting
// callers with a typed error naming the step; the store keeps which keys are
// authorized; a pool_config switch turns it off.
#include "mtsender/api/InputUser.hpp"
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/tests/actors/pool_fixture.hpp"
#include "mtsender/tests/test_dc/accounts.hpp"

#include <atomic>
#include <cstdlib>
#include <unistd.h>

using namespace pool_test;

namespace {

byte_buffer import_bot(const std::string& token) {
  return api::to_bytes(api::auth::importBotAuthorization{0, 1, "hash", token});
}

byte_buffer get_self() { return api::to_bytes(api::users::getUsers{{api::inputUserSelf{}}}); }

byte_buffer get_state() { return api::to_bytes(api::updates::getState{}); }

uint32_t head_of(const outcome& o) {
  if (!o.value || o.value->bytes.size() < 4)
    return 0;
  return load_le32(o.value->bytes.data());
}

void log_in(caf::scoped_actor& self, const dc_pool& pool) {
  auto login = invoke_one(self, pool, 2, request_of(import_bot("42:secret")));
  REQUIRE(login.value);
  REQUIRE(head_of(login) == test_dc::auth_authorization_id);
}

// Ten callers at once on DC 4: every one answered with the account's user.
void ten_on_dc4(caf::scoped_actor& self, const dc_pool& pool) {
  pending_invokes calls{self, pool};
  for (int i = 0; i < 10; ++i)
    calls.send(4, request_of(i % 2 ? get_self() : get_state()));
  auto out = calls.collect();
  for (size_t i = 0; i < out.size(); ++i) {
    INFO("caller " << i << ": " << (out[i].err ? to_string(out[i].err) : "ok"));
    CHECK(out[i].answers == 1);
    CHECK(head_of(out[i]) == (i % 2 ? tl::vector_id : test_dc::updates_state_id));
  }
}

// Logged in on home DC 2, one connection per DC.
struct logged_in_on_2 {
  node n;
  test_dc::server srv{two_dcs()};
  dc_pool pool;
  caf::scoped_actor self{*n.sys};
  logged_in_on_2() {
    srv.start();
    auto cfg = pool_config_for(srv, 1);
    cfg.home_dc = 2;
    pool = spawn_dc_pool(*n.sys, cfg);
    log_in(self, pool);
  }
};

uint64_t exports(test_dc::server& srv) {
  return srv.counters(2).count(test_dc::auth_export_authorization_id);
}
uint64_t imports(test_dc::server& srv) {
  return srv.counters(4).count(test_dc::auth_import_authorization_id);
}

// The pool takes one caller's messages in order, so when a help.getNearestDc
// sent after a batch of calls reaches the server, every call of the batch has
// reached the pool. A handler that must find the whole batch waiting holds its
// answer until then (on its own DC's thread; the marker goes to the other DC).
// Without this, a loaded machine can let the step end before the last calls
// arrive, and those then take the path of a call made after it.
struct batch_marker {
  test_dc::server& srv;
  int32_t dc;   // where the marker goes
  uint64_t before = srv.counters(dc).count(test_dc::help_get_nearest_dc_id);
  std::atomic<bool> missed{false};

  // Called from the handler that must wait.
  void await() {
    if (!server_got(srv, dc, test_dc::help_get_nearest_dc_id, before + 1, 30s))
      missed = true;
  }
  // Sends the marker after the batch, collects, checks that the handler did
  // not give up waiting and that the marker was answered, and returns the
  // batch's own outcomes.
  std::vector<outcome> collect(pending_invokes& calls) {
    calls.send(dc, request_of(nearest_dc_query()));
    auto out = calls.collect();
    CHECK_FALSE(missed);
    REQUIRE_FALSE(out.empty());
    CHECK(this_dc_of(out.back()) == dc);
    out.pop_back();
    return out;
  }
};

struct temp_dir {
  std::string path;
  temp_dir() {
    char d[] = "/tmp/pool_authXXXXXX";
    REQUIRE(::mkdtemp(d));
    path = d;
  }
  ~temp_dir() { std::system(("rm -rf " + path).c_str()); }
};

} // namespace

TEST_CASE("a logged-in account's calls on another DC wait for one export and import",
          "[actors][pool][authorization]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto cfg = pool_config_for(srv, 2);
  cfg.home_dc = 2;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  // Not logged in yet: nothing to export, DC 4 refuses as Telegram does.
  auto before = invoke_one(self, pool, 4, request_of(get_state()));
  REQUIRE(before.err == errc::rpc_failed);
  CHECK(detail_of(before.err)->rpc.name == "AUTH_KEY_UNREGISTERED");
  CHECK(exports(srv) == 0);
  log_in(self, pool);
  ten_on_dc4(self, pool);
  CHECK(exports(srv) == 1);
  CHECK(imports(srv) == 1);
  // Done once: later calls go straight out.
  ten_on_dc4(self, pool);
  CHECK(exports(srv) == 1);
  CHECK(imports(srv) == 1);
  // help.* and login calls never wait (nor did they start another import).
  CHECK(this_dc_of(invoke_one(self, pool, 4, request_of(nearest_dc_query()))) == 4);
  CHECK(imports(srv) == 1);
  std::atomic<int> refusals{0};

  SECTION("DC 4's key replaced: the import is redone once") {
    srv.forget_auth_keys(4);
    ten_on_dc4(self, pool);
    CHECK(exports(srv) == 2);
    CHECK(imports(srv) == 2);
    CHECK(srv.counters(4).count(test_dc::auth_import_authorization_id) == 2);
  }
  SECTION("DC 4 forgot the login but kept the key: imported again, once") {
    // A server-side log-out of that key: the next call is refused with 401
    // and goes out again after a new import.
    srv.on(test_dc::updates_get_state_id, [&](const test_dc::rpc_call& c) {
      if (c.dc_id == 4 && refusals++ == 0)
        return test_dc::rpc_reply::error(401, "AUTH_KEY_UNREGISTERED");
      byte_buffer out;
      tl::writer w{out};
      w.write_uint32(test_dc::updates_state_id);
      for (int32_t v : {1, 0, 1, 1, 0})
        w.write_int32(v);
      return test_dc::rpc_reply::result(std::move(out));
    });
    auto o = invoke_one(self, pool, 4, request_of(get_state()));
    CHECK(o.answers == 1);
    CHECK(head_of(o) == test_dc::updates_state_id);
    CHECK(refusals == 2);
    CHECK(exports(srv) == 2);
    CHECK(imports(srv) == 2);
  }
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("a failed export fails every waiting caller with the step's error",
          "[actors][pool][authorization]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto cfg = pool_config_for(srv, 2);
  cfg.home_dc = 2;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  log_in(self, pool);
  // The home DC no longer knows the login (logged out elsewhere).
  std::atomic<int> asked{0};
  batch_marker marker{srv, 4};   // help.* calls on DC 4 do not wait for the export
  srv.on(test_dc::auth_export_authorization_id, [&](const test_dc::rpc_call&) {
    ++asked;
    marker.await();
    return test_dc::rpc_reply::error(401, "AUTH_KEY_UNREGISTERED");
  });
  pending_invokes calls{self, pool};
  for (int i = 0; i < 10; ++i)
    calls.send(4, request_of(get_self()));
  auto out = marker.collect(calls);
  REQUIRE(out.size() == 10);
  for (auto& o : out) {
    CHECK(o.answers == 1);
    REQUIRE(o.err == errc::rpc_failed);
    const auto* d = detail_of(o.err);
    REQUIRE(d);
    CHECK(d->rpc.name == "AUTH_KEY_UNREGISTERED");
    CHECK(d->dc_id == 4);
    CHECK_FALSE(d->may_have_executed);
    CHECK(d->what.find("auth.exportAuthorization on home DC 2") != std::string::npos);
  }
  CHECK(asked == 1);   // one export for all ten
  CHECK(srv.counters(4).count(test_dc::users_get_users_id) == 0);   // none went out
  CHECK(imports(srv) == 0);
  // The home DC's login is gone: the next call goes out as it is (no export).
  auto after = invoke_one(self, pool, 4, request_of(get_self()));
  REQUIRE(after.err == errc::rpc_failed);
  CHECK(detail_of(after.err)->rpc.name == "AUTH_KEY_UNREGISTERED");
  CHECK(asked == 1);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE_METHOD(logged_in_on_2, "an export answer that does not decode fails the waiting callers as malformed",
                 "[actors][pool][authorization]") {
  srv.on(test_dc::auth_export_authorization_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::result_of<api::updates::getState>({1, 0, 0, 1, 0});
  });
  pending_invokes calls{self, pool};
  for (int i = 0; i < 3; ++i)
    calls.send(4, request_of(get_state()));
  for (auto& o : calls.collect()) {
    CHECK(o.answers == 1);
    REQUIRE(o.err == errc::malformed_reply);
    const auto* d = detail_of(o.err);
    REQUIRE(d);
    CHECK(d->what.find("failed at auth.exportAuthorization") != std::string::npos);
    CHECK(d->what.find("auth.exportedAuthorization") != std::string::npos);
    CHECK_FALSE(d->may_have_executed);
  }
  CHECK(imports(srv) == 0);
  CHECK(srv.counters(4).count(test_dc::updates_get_state_id) == 0);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE_METHOD(logged_in_on_2, "an import the target refuses fails the waiting callers, naming the import",
                 "[actors][pool][authorization]") {
  batch_marker marker{srv, 2};
  srv.on(test_dc::auth_import_authorization_id, [&](const test_dc::rpc_call&) {
    marker.await();
    return test_dc::rpc_reply::error(400, "AUTH_BYTES_INVALID");
  });
  pending_invokes calls{self, pool};
  for (int i = 0; i < 4; ++i)
    calls.send(4, request_of(get_state()));
  auto out = marker.collect(calls);
  REQUIRE(out.size() == 4);
  for (auto& o : out) {
    CHECK(o.answers == 1);
    REQUIRE(o.err == errc::rpc_failed);
    CHECK(detail_of(o.err)->rpc.name == "AUTH_BYTES_INVALID");
    CHECK(detail_of(o.err)->what.find("auth.importAuthorization on DC 4") != std::string::npos);
  }
  CHECK(exports(srv) == 1);
  CHECK(srv.counters(4).count(test_dc::updates_get_state_id) == 0);
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("the authorized DCs survive a pool restart through the store",
          "[actors][pool][authorization][store]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  temp_dir dir;
  const std::string path = dir.path + "/app.session";
  auto cfg = pool_config_for(srv, 1);
  cfg.home_dc = 2;
  cfg.store = std::make_shared<store::file_session_store>(path);
  caf::scoped_actor self{*n.sys};
  {
    auto pool = spawn_dc_pool(*n.sys, cfg);
    log_in(self, pool);
    ten_on_dc4(self, pool);
    stop(self, pool);
  }
  CHECK(imports(srv) == 1);
  // Written by the store's own thread (it may finish after the pool ended).
  store::session_data saved;
  for (int i = 0; i < 100; ++i) {
    try {
      saved = store::file_session_store{path}.load();
    } catch (const std::exception&) {
    }
    if (saved.key(4) && saved.key(4)->authorized)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(saved.key(2));
  REQUIRE(saved.key(4));
  CHECK(saved.key(2)->authorized);
  CHECK(saved.key(4)->authorized);
  auto pool2 = spawn_dc_pool(*n.sys, cfg);
  ten_on_dc4(self, pool2);
  CHECK(exports(srv) == 1);   // DC 4 was known to be authorized: no new import
  CHECK(imports(srv) == 1);
  stop(self, pool2);
}

TEST_CASE("export_authorization off: calls on another DC go out as they are",
          "[actors][pool][authorization]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.home_dc = 2;
  cfg.export_authorization = false;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  log_in(self, pool);
  auto o = invoke_one(self, pool, 4, request_of(get_self()));
  REQUIRE(o.err == errc::rpc_failed);
  CHECK(detail_of(o.err)->rpc.name == "AUTH_KEY_UNREGISTERED");
  CHECK(exports(srv) == 0);
  CHECK(imports(srv) == 0);
  stop(self, pool);
}

TEST_CASE_METHOD(logged_in_on_2, "requests waiting for an import still end by their deadline or a cancel, once",
                 "[actors][pool][authorization]") {
  // A slow home DC: the export takes 1.5 s (the test server's thread
  // sleeps), then fails.
  srv.on(test_dc::auth_export_authorization_id, [](const test_dc::rpc_call&) {
    std::this_thread::sleep_for(1500ms);
    return test_dc::rpc_reply::error(500, "AUTH_RESTART");
  });
  pending_invokes calls{self, pool};
  calls.send(4, request_of(get_self(), 200));   // its deadline comes first
  auto cancelled = request_of(get_self());
  cancelled.options.token = 77;
  calls.send(4, std::move(cancelled));
  calls.send(4, request_of(get_self()));
  std::this_thread::sleep_for(300ms);
  bool found = false;
  self->request(pool, 5s, cancel_atom::value, uint64_t{77})
    .receive([&](bool b) { found = b; }, [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(found);
  auto out = calls.collect();
  for (auto& o : out)
    CHECK(o.answers == 1);
  CHECK(out[0].err == errc::deadline_exceeded);
  CHECK_FALSE(detail_of(out[0].err)->may_have_executed);
  CHECK(out[1].err == errc::cancelled);
  REQUIRE(out[2].err == errc::rpc_failed);
  CHECK(detail_of(out[2].err)->rpc.name == "AUTH_RESTART");
  CHECK(detail_of(out[2].err)->what.find("auth.exportAuthorization") != std::string::npos);
  CHECK(srv.counters(4).count(test_dc::users_get_users_id) == 0);
  CHECK(stray_messages(self, 300ms) == 0);
  stop(self, pool);
}

TEST_CASE("upload and download connections on another DC share its imported authorization",
          "[actors][pool][authorization][classes]") {
  node n;
  test_dc::server srv{two_dcs()};
  srv.start();
  auto cfg = pool_config_for(srv, 1);
  cfg.home_dc = 2;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  log_in(self, pool);
  // File-class calls first: they wait for the one import like API calls.
  pending_invokes calls{self, pool};
  for (int i = 0; i < 12; ++i) {
    auto r = request_of(get_self());
    r.options.connection_class = i % 2 ? conn_class::download : conn_class::upload;
    calls.send(4, std::move(r));
  }
  for (auto& o : calls.collect()) {
    CHECK(o.answers == 1);
    CHECK(head_of(o) == 0x1cb5c415u);   // the account's user: the key is logged in
  }
  CHECK(exports(srv) == 1);
  CHECK(imports(srv) == 1);
  auto st = stats_of(self, pool);
  REQUIRE(st.dc(4));
  REQUIRE(st.dc(4)->classes.size() == conn_class_count);
  CHECK(st.dc(4)->classes[index_of(conn_class::upload)].answered == 6);
  CHECK(st.dc(4)->classes[index_of(conn_class::download)].answered == 6);
  CHECK(st.dc(4)->auth_keys_created == 1);   // every class on DC 4's one key
  stop(self, pool);
}
