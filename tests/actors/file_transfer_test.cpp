// The upload and download actors against the test DC over real sockets:
// round trips byte for byte, a failed part retried alone, connections closed
// mid-transfer, cancel, resume, FILE_MIGRATE, CDN (corruption, reupload),
// progress.
#include "mtsender/tests/actors/files_fixture.hpp"

#include "mtsender/actors/retry/no_retries.hpp"

#include <functional>

using namespace files_test;

namespace {

constexpr int64_t mib = 1024 * 1024;

struct files_env {
  node n;
  test_dc::server srv;
  dc_pool pool;
  explicit files_env(test_dc::server_options o = two_dcs(),
                     std::function<void(pool_config&)> tweak = {})
    : srv(std::move(o)) {
    srv.start();
    auto pc = pool_config_for(srv);
    if (tweak)
      tweak(pc);
    pool = spawn_dc_pool(*n.sys, pc);
  }
};

// Upload `data` from a file, assemble it on the DC, download it to a file:
// the bytes that come back.
byte_buffer round_trip(files_env& env, caf::scoped_actor& self, const byte_buffer& data,
                       upload_result* up_out = nullptr) {
  temp_file src{"src"}, dst{"dst"};
  src.write(data);
  upload_request up;
  up.dc_id = 2;
  up.path = src.path;
  auto u = run_upload(self, env.pool, up);
  REQUIRE(u.value);
  if (up_out)
    *up_out = *u.value;
  auto doc = assemble(self, env.pool, 2, *u.value);
  CHECK(doc.size == int64_t(data.size()));
  download_request down;
  down.dc_id = doc.dc_id;
  down.location = location_of(doc);
  down.size = doc.size;
  down.path = dst.path;
  auto d = run_download(self, env.pool, down);
  REQUIRE(d.value);
  CHECK(d.value->bytes == int64_t(data.size()));
  return dst.read();
}

} // namespace

TEST_CASE("files of 1 B, 1 KiB - 1, exactly 10 MB and 10 MB + 1 round trip byte for byte",
          "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  for (int64_t size : {int64_t(1), int64_t(1023), 10 * mib, 10 * mib + 1}) {
    INFO("size " << size);
    const auto data = random_bytes(size_t(size), uint64_t(size));
    upload_result up;
    CHECK((round_trip(env, self, data, &up) == data));
    CHECK(up.big == (size > 10 * mib));
    CHECK(up.parts == int32_t((size + 512 * 1024 - 1) / (512 * 1024)));
    if (!up.big)
      CHECK(up.md5.size() == 32);
  }
  CHECK(env.srv.counters().count(test_dc::upload_save_big_file_part_id) == 21);
  stop(self, env.pool);
}

TEST_CASE("uploads and downloads go on their own connection classes", "[files][actors][classes]") {
  // Exact counts on main: no help.getConfig of the pool's own.
  files_env env{two_dcs(), [](pool_config& c) { c.learn_dcs = false; }};
  caf::scoped_actor self{*env.n.sys};
  const auto data = random_bytes(size_t(3 * mib), 3);
  CHECK((round_trip(env, self, data) == data));
  const auto c = env.srv.counters(2);
  const uint64_t parts = c.count(test_dc::upload_save_file_part_id);
  const uint64_t gets = c.count(test_dc::upload_get_file_id);
  CHECK(parts == 6);
  CHECK(gets >= 3);
  auto st = stats_of(self, env.pool);
  REQUIRE(st.dc(2));
  REQUIRE(st.dc(2)->classes.size() == conn_class_count);
  auto& main = st.dc(2)->classes[index_of(conn_class::main)];
  auto& up = st.dc(2)->classes[index_of(conn_class::upload)];
  auto& down = st.dc(2)->classes[index_of(conn_class::download)];
  CHECK(main.answered == 1);        // account.uploadTheme
  CHECK(up.answered == parts);
  CHECK(down.answered == gets);
  CHECK(up.opened >= 1);
  CHECK(down.opened >= 1);
  // Every file part went out inside invokeWithoutUpdates.
  CHECK(c.count(tl::invoke_without_updates_id) >= parts + gets);
  stop(self, env.pool);
}

TEST_CASE("a 60 MB file round trips byte for byte", "[files][actors][big]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  const auto data = random_bytes(size_t(60 * mib), 60);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK((round_trip(env, self, data) == data));
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("60 MB up and down in " << secs << " s");
  stop(self, env.pool);
}

TEST_CASE("an empty file is refused with a typed error", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  temp_file src{"empty"};
  src.write({});
  upload_request up;
  up.path = src.path;
  auto u = run_upload(self, env.pool, up);
  REQUIRE_FALSE(u.value);
  CHECK(is_file_error(u.err, file_transfer_errc::bad_request));
  // A missing file too, naming it.
  up.path = src.path + ".missing";
  auto m = run_upload(self, env.pool, up);
  REQUIRE_FALSE(m.value);
  CHECK(is_file_error(m.err, file_transfer_errc::io_failed));
  CHECK(env.n.sys->render(m.err).find(".missing") != std::string::npos);
  stop(self, env.pool);
}

TEST_CASE("a failed part is sent again alone", "[files][actors]") {
  // The pool retries nothing here, so the retry is the upload actor's.
  files_env env{two_dcs(), [](pool_config& pc) {
                  pc.retry_policy = std::make_shared<retry::no_retries>();
                }};
  caf::scoped_actor self{*env.n.sys};
  std::atomic<int> part3_calls{0};
  env.srv.on(test_dc::upload_save_file_part_id, [&](const test_dc::rpc_call& c) {
    auto q = test_dc::read_saved_part(c.query);
    if (q.part == 3 && part3_calls++ == 0)
      return test_dc::rpc_reply::error(500, "INTERNAL_SERVER_ERROR");
    return env.srv.files().save_part(c.auth_key_id, std::move(q));
  });
  const auto data = random_bytes(size_t(5 * mib / 2), 7);   // 5 parts
  upload_result up;
  CHECK((round_trip(env, self, data, &up) == data));
  CHECK(up.part_retries == 1);
  CHECK(part3_calls == 2);
  // 5 parts, one of them twice: nothing else was resent.
  CHECK(env.srv.counters().count(test_dc::upload_save_file_part_id) == 6);
  stop(self, env.pool);
}

TEST_CASE("a part refused for good fails the upload with the server's error", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  env.srv.on(test_dc::upload_save_file_part_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(400, "FILE_PART_INVALID");
  });
  upload_request up;
  up.size = 3000;
  auto actor = spawn_upload(*env.n.sys, env.pool, up);
  upload_outcome out;
  auto handle = self->request(actor, 30s, file_start_atom::value);
  self->request(actor, 30s, file_push_atom::value, random_bytes(3000, 1))
    .receive([](caf::ok_atom) {}, [](caf::error&) {});
  handle.receive([&](upload_result& r) { out.value = r; }, [&](caf::error& e) { out.err = e; });
  REQUIRE_FALSE(out.value);
  REQUIRE(is(out.err, errc::rpc_failed));
  CHECK(detail_of(out.err)->rpc.message == "FILE_PART_INVALID");
  stop(self, env.pool);
}

TEST_CASE("pushed bytes upload, and a sink gets the download in order", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  const auto data = random_bytes(size_t(3 * mib + 12345), 11);
  upload_request up;
  up.size = int64_t(data.size());
  up.window = 2;
  auto actor = spawn_upload(*env.n.sys, env.pool, up);
  auto result = self->request(actor, 60s, file_start_atom::value);
  // Odd-sized pushes: parts are cut across them.
  int push_errors = 0;
  for (size_t at = 0; at < data.size(); at += 100'000) {
    const size_t n = std::min<size_t>(100'000, data.size() - at);
    self->request(actor, 30s, file_push_atom::value, byte_buffer(data.begin() + ptrdiff_t(at),
                                                                data.begin() + ptrdiff_t(at + n)))
      .receive([](caf::ok_atom) {}, [&](caf::error&) { ++push_errors; });
  }
  CHECK(push_errors == 0);
  std::optional<upload_result> u;
  result.receive([&](upload_result& r) { u = r; }, [&](caf::error& e) { FAIL(to_string(e)); });
  REQUIRE(u);
  auto doc = assemble(self, env.pool, 2, *u);

  auto sink = env.n.sys->spawn(forwarding_sink, caf::actor{self});
  download_request down;
  down.location = location_of(doc);
  down.size = -1;   // unknown: ends at the short answer
  down.sink = sink;
  down.part_size = 256 * 1024;
  auto d = run_download(self, env.pool, down);
  REQUIRE(d.value);
  CHECK(d.value->end == int64_t(data.size()));
  auto chunks = sink_chunks(self);
  byte_buffer got;
  int64_t expect_at = 0;
  bool in_order = true;
  for (auto& [at, bytes] : chunks) {
    in_order = in_order && at == expect_at;
    expect_at += int64_t(bytes.size());
    got.insert(got.end(), bytes.begin(), bytes.end());
  }
  CHECK(in_order);
  CHECK((got == data));
  stop(self, env.pool);
}

TEST_CASE("transfers survive the server closing connections mid-transfer", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  test_dc::fault_plan f;
  f.close_after_frames = 12;   // every connection dies after 12 frames
  env.srv.set_faults(f);
  const auto data = random_bytes(size_t(4 * mib + 999), 13);
  CHECK((round_trip(env, self, data) == data));
  CHECK(env.srv.counters().faults_injected > 0);
  stop(self, env.pool);
}

TEST_CASE("cancel answers the transfer and the canceller once each", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  // Parts are answered slowly, so the upload is still running at the cancel.
  env.srv.on(test_dc::upload_save_file_part_id, [&](const test_dc::rpc_call& c) {
    return env.srv.files().save_part(c.auth_key_id, test_dc::read_saved_part(c.query)).after(200ms);
  });
  temp_file src{"cancel"};
  src.write(random_bytes(size_t(8 * mib), 17));
  upload_request up;
  up.path = src.path;
  auto actor = spawn_upload(*env.n.sys, env.pool, up);
  auto result = self->request(actor, 60s, file_start_atom::value);
  REQUIRE(pool_test::server_got(env.srv, 2, test_dc::upload_save_file_part_id, 1));
  int cancel_ok = 0;
  self->request(actor, 10s, file_cancel_atom::value)
    .receive([&](caf::ok_atom) { ++cancel_ok; }, [](caf::error&) {});
  CHECK(cancel_ok == 1);
  caf::error err;
  result.receive([](upload_result&) {}, [&](caf::error& e) { err = e; });
  CHECK(is_file_error(err, file_transfer_errc::cancelled));
  CHECK(stray_messages(self) == 0);
  // The download side: a slow getFile, cancelled.
  env.srv.on(test_dc::upload_get_file_id, [](const test_dc::rpc_call&) {
    return test_dc::rpc_reply::error(500, "INTERNAL").after(300ms);
  });
  auto sink = env.n.sys->spawn(forwarding_sink, caf::actor{self});
  download_request down;
  down.location = api::to_bytes(api::inputDocumentFileLocation{1, 2, {}, ""});
  down.size = 10 * mib;
  down.sink = sink;
  auto dl = spawn_download(*env.n.sys, env.pool, down);
  auto dres = self->request(dl, 60s, file_start_atom::value);
  REQUIRE(pool_test::server_got(env.srv, 2, test_dc::upload_get_file_id, 1));
  self->request(dl, 10s, file_cancel_atom::value).receive([](caf::ok_atom) {}, [](caf::error&) {});
  caf::error derr;
  dres.receive([](download_result&) {}, [&](caf::error& e) { derr = e; });
  CHECK(is_file_error(derr, file_transfer_errc::cancelled));
  stop(self, env.pool);
}

TEST_CASE("answers that do not decode, or cannot be used, are typed errors naming what",
          "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  auto render = [&](const caf::error& e) { return env.n.sys->render(e); };
  download_request down;
  down.location = api::to_bytes(api::inputDocumentFileLocation{1, 2, {}, ""});
  down.size = mib;
  down.sink = env.n.sys->spawn(forwarding_sink, caf::actor{self});
  auto download_fails = [&](file_transfer_errc code, const std::string& naming) {
    auto d = run_download(self, env.pool, down);
    REQUIRE_FALSE(d.value);
    CHECK(is_file_error(d.err, code));
    CHECK(render(d.err).find(naming) != std::string::npos);
  };
  SECTION("getFile answered by something that is no upload.File") {
    env.srv.on(test_dc::upload_get_file_id, [](const test_dc::rpc_call&) {
      return test_dc::rpc_reply::result_of<api::upload::saveFilePart>(true);
    });
    download_fails(file_transfer_errc::protocol_violation, "upload.File");
  }
  SECTION("getFile answered by an upload.file cut short") {
    env.srv.on(test_dc::upload_get_file_id, [](const test_dc::rpc_call&) {
      auto r = test_dc::rpc_reply::result_of<api::upload::getFile>(
        api::upload::file{api::storage::fileUnknown{}, 0, byte_buffer(4096, 7)});
      r.body.resize(r.body.size() - 100);
      return r;
    });
    download_fails(file_transfer_errc::protocol_violation, "truncated");
  }
  SECTION("a CDN redirect whose key is not 32 bytes") {
    env.srv.on(test_dc::upload_get_file_id, [](const test_dc::rpc_call&) {
      api::upload::fileCdnRedirect r;
      r.dc_id = 203;
      r.file_token = {1};
      r.encryption_key = byte_buffer(31, 1);
      r.encryption_iv = byte_buffer(16, 2);
      return test_dc::rpc_reply::result_of<api::upload::getFile>(r);
    });
    download_fails(file_transfer_errc::protocol_violation, "encryption_key has 31 bytes");
  }
  SECTION("a location that is not one InputFileLocation is refused before anything is sent") {
    down.location.push_back(0);
    download_fails(file_transfer_errc::bad_request, "InputFileLocation");
    CHECK(env.srv.counters(2).count(test_dc::upload_get_file_id) == 0);
  }
  SECTION("saveFilePart answered boolFalse") {
    env.srv.on(test_dc::upload_save_file_part_id, [](const test_dc::rpc_call&) {
      return test_dc::rpc_reply::result_of<api::upload::saveFilePart>(false);
    });
    temp_file src{"false"};
    src.write(random_bytes(1000, 3));
    upload_request up;
    up.path = src.path;
    auto u = run_upload(self, env.pool, up);
    REQUIRE_FALSE(u.value);
    CHECK(is_file_error(u.err, file_transfer_errc::protocol_violation));
    CHECK(render(u.err).find("boolFalse") != std::string::npos);
  }
  stop(self, env.pool);
}

TEST_CASE("a download resumes from any offset", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  const auto data = random_bytes(size_t(3 * mib + 777), 19);
  temp_file src{"resume-src"};
  src.write(data);
  upload_request up;
  up.path = src.path;
  auto u = run_upload(self, env.pool, up);
  REQUIRE(u.value);
  auto doc = assemble(self, env.pool, 2, *u.value);
  for (int64_t from : {int64_t(0), int64_t(1), mib + 1234, int64_t(data.size()) - 5,
                       int64_t(data.size())}) {
    INFO("from " << from);
    // The first `from` bytes are already on disk: the resumed download
    // writes the rest at the right place.
    temp_file dst{"resume-dst"};
    dst.write(byte_buffer(data.begin(), data.begin() + from));
    download_request down;
    down.location = location_of(doc);
    down.size = doc.size;
    down.offset = from;
    down.path = dst.path;
    auto d = run_download(self, env.pool, down);
    REQUIRE(d.value);
    CHECK(d.value->bytes == int64_t(data.size()) - from);
    CHECK((dst.read() == data));
  }
  stop(self, env.pool);
}

TEST_CASE("FILE_MIGRATE_X moves the download to DC X", "[files][actors]") {
  auto o = two_dcs();
  o.files.files_dc = 4;
  files_env env{o};
  caf::scoped_actor self{*env.n.sys};
  const auto data = random_bytes(size_t(2 * mib + 3), 23);
  temp_file src{"mig"}, dst{"mig-dst"};
  src.write(data);
  upload_request up;
  up.path = src.path;
  auto u = run_upload(self, env.pool, up);
  REQUIRE(u.value);
  auto doc = assemble(self, env.pool, 2, *u.value);
  REQUIRE(doc.dc_id == 4);
  download_request down;
  down.dc_id = 2;   // the wrong DC, on purpose
  down.location = location_of(doc);
  down.size = doc.size;
  down.path = dst.path;
  auto d = run_download(self, env.pool, down);
  REQUIRE(d.value);
  CHECK(d.value->dc_id == 4);
  CHECK((dst.read() == data));
  CHECK(env.srv.counters(4).count(test_dc::upload_get_file_id) >= 3);

  SECTION("no authorization on DC X is a typed error") {
    env.srv.on(test_dc::upload_get_file_id, [&](const test_dc::rpc_call& c) {
      if (c.dc_id == 4)
        return test_dc::rpc_reply::error(401, "AUTH_KEY_UNREGISTERED");
      return test_dc::rpc_reply::error(303, "FILE_MIGRATE_4");
    });
    auto e = run_download(self, env.pool, down);
    REQUIRE_FALSE(e.value);
    CHECK(is_file_error(e.err, file_transfer_errc::not_authorized));
  }
  stop(self, env.pool);
}

namespace {
test_dc::server_options with_cdn() {
  auto o = two_dcs();
  o.dcs.push_back(test_dc::dc_endpoint{203, "127.0.0.1", 0});
  o.files.cdn_dc = 203;
  return o;
}

api::document upload_for_cdn(files_env& env, caf::scoped_actor& self,
                                    const byte_buffer& data) {
  upload_request up;
  up.size = int64_t(data.size());
  auto actor = spawn_upload(*env.n.sys, env.pool, up);
  auto result = self->request(actor, 60s, file_start_atom::value);
  self->request(actor, 60s, file_push_atom::value, data).receive([](caf::ok_atom) {},
                                                                [](caf::error&) {});
  std::optional<upload_result> u;
  result.receive([&](upload_result& r) { u = r; }, [](caf::error&) {});
  REQUIRE(u);
  return assemble(self, env.pool, 2, *u);
}
} // namespace

TEST_CASE("a CDN DC's own key is learned from help.getCdnConfig", "[files][actors][cdn]") {
  // The CDN DC presents only its own key (as Telegram's do), and the pool
  // is told neither that key nor the CDN DC's address.
  auto o = with_cdn();
  o.cdn_rsa_key = std::make_shared<const crypto::rsa_private_key>(
    crypto::rsa_private_key::generate(2048));
  const auto without_cdn_dc = [](pool_config& c) {
    c.dcs.erase(std::remove_if(c.dcs.begin(), c.dcs.end(),
                               [](const dc_endpoint& e) { return e.dc_id == 203; }),
                c.dcs.end());
  };
  const auto data = random_bytes(size_t(mib + 7), 31);
  // Uploads `data`, downloads it: the outcome and the bytes written.
  auto round = [&](files_env& env, caf::scoped_actor& self) {
    auto doc = upload_for_cdn(env, self, data);
    temp_file dst{"cdn-key"};
    download_request down;
    down.location = location_of(doc);
    down.size = doc.size;
    down.path = dst.path;
    auto d = run_download(self, env.pool, down);
    return std::make_pair(std::move(d), d.value ? dst.read() : byte_buffer{});
  };
  SECTION("learned: the download goes through the CDN") {
    files_env env{o, without_cdn_dc};
    caf::scoped_actor self{*env.n.sys};
    auto [d, got] = round(env, self);
    REQUIRE(d.value);
    CHECK(d.value->via_cdn);
    CHECK(d.value->dc_id == 203);
    CHECK((got == data));
    CHECK(env.srv.counters(2).count(test_dc::help_get_cdn_config_id) >= 1);
    stop(self, env.pool);
  }
  SECTION("not learned: the CDN handshake fails and the download gets a typed error") {
    // The address configured, learning off: only the main key is known.
    files_env env{o, [](pool_config& c) {
                    c.learn_dcs = false;
                    c.unreachable_after = 2;
                  }};
    caf::scoped_actor self{*env.n.sys};
    auto [d, got] = round(env, self);
    CHECK_FALSE(d.value);
    CHECK(d.err);
    CHECK(env.srv.counters(203).count(test_dc::upload_get_cdn_file_id) == 0);
    stop(self, env.pool);
  }
}

TEST_CASE("a CDN download is decrypted and checked against the hashes", "[files][actors][cdn]") {
  SECTION("the bytes come back, hashes fetched as needed") {
    files_env env{with_cdn()};
    caf::scoped_actor self{*env.n.sys};
    const auto data = random_bytes(size_t(3 * mib + 100), 29);
    auto doc = upload_for_cdn(env, self, data);
    temp_file dst{"cdn"};
    download_request down;
    down.location = location_of(doc);
    down.size = doc.size;
    down.path = dst.path;
    auto d = run_download(self, env.pool, down);
    REQUIRE(d.value);
    CHECK(d.value->via_cdn);
    CHECK(d.value->dc_id == 203);
    CHECK((dst.read() == data));
    CHECK(env.srv.counters(2).count(test_dc::upload_get_cdn_file_hashes_id) >= 1);
    CHECK(env.srv.counters(203).count(test_dc::upload_get_cdn_file_id) >= 4);
    stop(self, env.pool);
  }
  SECTION("a corrupted part is a typed error and never delivered") {
    auto o = with_cdn();
    o.files.cdn_corrupt_offset = int64_t(mib + 5);
    files_env env{o};
    caf::scoped_actor self{*env.n.sys};
    const auto data = random_bytes(size_t(3 * mib), 31);
    auto doc = upload_for_cdn(env, self, data);
    auto sink = env.n.sys->spawn(forwarding_sink, caf::actor{self});
    download_request down;
    down.location = location_of(doc);
    down.size = doc.size;
    down.sink = sink;
    down.window = 1;   // in order, so what came before the bad part is known
    auto d = run_download(self, env.pool, down);
    REQUIRE_FALSE(d.value);
    CHECK(is_file_error(d.err, file_transfer_errc::cdn_hash_mismatch));
    auto chunks = sink_chunks(self);
    int64_t end = 0;
    for (auto& [at, bytes] : chunks) {
      CHECK((bytes == byte_view{data}.sub(size_t(at), bytes.size())));
      end = std::max(end, at + int64_t(bytes.size()));
    }
    CHECK(end <= int64_t(mib));   // nothing of the corrupted range went out
    stop(self, env.pool);
  }
  SECTION("cdnFileReuploadNeeded is answered with reuploadCdnFile") {
    auto o = with_cdn();
    o.files.cdn_reupload_needed = true;
    files_env env{o};
    caf::scoped_actor self{*env.n.sys};
    const auto data = random_bytes(size_t(mib + 4096), 37);
    auto doc = upload_for_cdn(env, self, data);
    temp_file dst{"reup"};
    download_request down;
    down.location = location_of(doc);
    down.size = doc.size;
    down.path = dst.path;
    auto d = run_download(self, env.pool, down);
    REQUIRE(d.value);
    CHECK(d.value->cdn_reuploads == 1);
    CHECK(env.srv.files().snapshot().cdn_reuploads == 1);
    CHECK((dst.read() == data));
    stop(self, env.pool);
  }
}

TEST_CASE("progress reaches the listener, ending at the total", "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  auto listener = env.n.sys->spawn([target = caf::actor{self}](caf::event_based_actor*) -> caf::behavior {
    return {[=](const transfer_progress& p) -> caf::ok_atom {
      caf::anon_send(target, p);
      return caf::ok_atom::value;
    }};
  });
  temp_file src{"progress"};
  const auto data = random_bytes(size_t(4 * mib), 41);
  src.write(data);
  upload_request up;
  up.path = src.path;
  up.listener = listener;
  auto u = run_upload(self, env.pool, up);
  REQUIRE(u.value);
  std::vector<transfer_progress> seen;
  bool more = true;
  while (more)
    self->receive([&](transfer_progress& p) { seen.push_back(p); },
                  caf::after(300ms) >> [&] { more = false; });
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().done == int64_t(data.size()));
  CHECK(seen.back().total == int64_t(data.size()));
  CHECK(seen.back().upload);
  bool rising = true;
  for (size_t i = 1; i < seen.size(); ++i)
    rising = rising && seen[i].done >= seen[i - 1].done;
  CHECK(rising);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, env.pool);
}

namespace {
// Forwards each event to `target` and never acks it.
struct mute_state {
  std::vector<caf::response_promise> kept;
};
caf::behavior mute_listener(caf::stateful_actor<mute_state>* self, caf::actor target) {
  return {
    [=](const transfer_progress& p) -> caf::result<caf::ok_atom> {
      caf::anon_send(target, p);
      self->state.kept.push_back(self->make_response_promise());
      return caf::delegated<caf::ok_atom>{};
    },
  };
}
} // namespace

TEST_CASE("a listener that never acks gets one event at a time and never holds the upload",
          "[files][actors]") {
  files_env env;
  caf::scoped_actor self{*env.n.sys};
  auto listener = env.n.sys->spawn(mute_listener, caf::actor{self});
  temp_file src{"mute"};
  src.write(random_bytes(size_t(4 * mib), 43));
  upload_request up;
  up.path = src.path;
  up.listener = listener;
  up.part_size = 128 * 1024;   // 32 parts: 32 progress reports made
  auto u = run_upload(self, env.pool, up);
  REQUIRE(u.value);
  std::vector<transfer_progress> seen;
  bool more = true;
  while (more)
    self->receive([&](transfer_progress& p) { seen.push_back(p); },
                  caf::after(300ms) >> [&] { more = false; });
  // The first event (never acked) and the final one, sent at the end anyway.
  CHECK(seen.size() == 2);
  if (seen.size() == 2)
    CHECK(seen.back().done == 4 * mib);
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, env.pool);
}
