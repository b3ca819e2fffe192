// The command line: flag parsing, and the real program as a subprocess.
#include "test_client.hpp"

#include "mtsender/tests/test_dc/cli.hpp"
#include "mtsender/tests/test_dc/key_file.hpp"
#include "mtsender/transport/tl/service_types.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mtsender;
using namespace mtsender::test_dc;
using namespace mtsender::test_dc::testing;

TEST_CASE("command line: good flags", "[server][cli]") {
  auto o = parse_command_line({"--listen", "2=127.0.0.1:0", "--listen", "-4=[::1]:4430",
                               "--rsa-key", "k.pem", "--verbose", "--close-after-frames", "7",
                               "--close-at-handshake-step", "req_DH_params",
                               "--transport-error", "-429:2", "--bad-frame", "garbage",
                               "--stall-after-frames", "3", "--clock-offset", "-50",
                               "--lose-query", "0x0BADC0DE:3"});
  REQUIRE(o.listen.size() == 2);
  CHECK(o.listen[0].dc_id == 2);
  CHECK(o.listen[0].host == "127.0.0.1");
  CHECK(o.listen[0].port == 0);
  CHECK(o.listen[1].dc_id == -4);
  CHECK(o.listen[1].host == "::1");
  CHECK(o.listen[1].port == 4430);
  CHECK(o.rsa_key_path == "k.pem");
  CHECK(o.verbose);
  CHECK(o.faults.close_after_frames == 7);
  CHECK(o.faults.close_at_handshake == handshake_step::req_dh_params);
  CHECK(o.faults.transport_error == -429);
  CHECK(o.faults.transport_error_times == 2);
  CHECK(o.faults.bad_answer == bad_frame::garbage);
  CHECK(o.faults.bad_answer_times == 0);
  CHECK(o.faults.stall);
  CHECK(o.faults.stall_after_frames == 3);
  CHECK(o.clock_offset == -50);
  CHECK(o.faults.lose_query == 0x0badc0de);
  CHECK(o.faults.lose_query_times == 3);
  CHECK(describe(o.faults).find("lose query #0badc0de x3") != std::string::npos);
  uint32_t times = 99;
  CHECK(parse_lose_query("#da9b0d0d", times) == 0xda9b0d0d);
  CHECK(times == 0);   // no budget: unlimited
  CHECK(parse_lose_query("1", times) == 1);
  CHECK(parse_lose_query("ffffffff:1000000", times) == 0xffffffff);
  CHECK(times == 1000000);
  CHECK(parse_command_line({"--help"}).help);
  auto s = parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k", "--proxy-secret",
                               "00112233445566778899aabbccddeeff", "--lenient-files"});
  REQUIRE(s.proxy_secret);
  CHECK((*s.proxy_secret)[15] == 0xff);
  CHECK(s.lenient_files);
  CHECK(!s.allow_unbound_temp_keys);  // Telegram's rule by default
  CHECK(parse_command_line({"--listen", "2=127.0.0.1:0", "--rsa-key", "k",
                           "--allow-unbound-temp-keys"})
          .allow_unbound_temp_keys);
}

TEST_CASE("command line: bad flags name the problem", "[server][cli]") {
  using args = std::vector<std::string>;
  auto fails_with = [](const args& a, const std::string& text) {
    CHECK_THROWS_WITH(parse_command_line(a), Catch::Contains(text));
  };
  fails_with({"--rsa-key", "k.pem"}, "--listen DC_ID=HOST:PORT is required");
  fails_with({"--listen", "2=127.0.0.1:0"}, "--rsa-key FILE.pem is required");
  fails_with({"--listen", "127.0.0.1:0", "--rsa-key", "k"}, "no DC_ID=");
  fails_with({"--listen", "x=127.0.0.1:0", "--rsa-key", "k"}, "DC_ID is not a number");
  fails_with({"--listen", "0=127.0.0.1:0", "--rsa-key", "k"}, "non-zero");
  fails_with({"--listen", "2=127.0.0.1", "--rsa-key", "k"}, "no :PORT");
  fails_with({"--listen", "2=127.0.0.1:99999", "--rsa-key", "k"}, "above 65535");
  fails_with({"--listen", "2=127.0.0.1:http", "--rsa-key", "k"}, "PORT is not a number");
  fails_with({"--listen", "2=:1", "--rsa-key", "k"}, "empty HOST");
  fails_with({"--listen", "2=a:1", "--listen", "2=b:2", "--rsa-key", "k"}, "given twice");
  fails_with({"--listen"}, "needs a value");
  fails_with({"--frobnicate"}, "unknown flag");
  fails_with({"--bad-frame", "mangled"}, "not corrupted, truncated");
  fails_with({"--bad-frame", "garbage:0"}, "out of range");
  fails_with({"--transport-error", "404"}, "out of range");
  fails_with({"--close-at-handshake-step", "4"}, "not req_pq");
  fails_with({"--close-after-frames", "ten"}, "not a number");
  fails_with({"--proxy-secret", "0011"}, "needs 16 bytes");
  fails_with({"--proxy-secret", "zz"}, "is not hex");
  fails_with({"--lose-query"}, "needs a value");
  fails_with({"--lose-query", "ping"}, "is not a constructor id");
  fails_with({"--lose-query", "0x"}, "is not a constructor id");
  fails_with({"--lose-query", ""}, "is not a constructor id");
  fails_with({"--lose-query", "0x-1"}, "is not a constructor id");
  fails_with({"--lose-query", "0x123456789"}, "is not a constructor id");
  fails_with({"--lose-query", "0x0badc0de "}, "is not a constructor id");
  fails_with({"--lose-query", "0x0"}, "0 is not a constructor");
  fails_with({"--lose-query", "0x0badc0de:0"}, "out of range");
  fails_with({"--lose-query", "0x0badc0de:x"}, "not a number");
  fails_with({"--lose-query", "0x0badc0de:1:2"}, "not a number");
}

TEST_CASE("key file: created once with mode 0600, then loaded", "[server][cli]") {
  char dir[] = "/tmp/test_dc_keyXXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/dc.pem";
  CHECK(public_key_path(path) == std::string(dir) + "/dc.pub.pem");
  CHECK(public_key_path("key") == "key.pub.pem");
  auto k1 = load_or_create_key(path);
  CHECK(k1.created);
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto k2 = load_or_create_key(path);
  CHECK_FALSE(k2.created);
  CHECK(k2.key->fingerprint() == k1.key->fingerprint());
  CHECK(crypto::rsa_public_key::from_pem_file(k1.public_path).fingerprint()
        == k1.key->fingerprint());
  const std::string junk = std::string(dir) + "/junk.pem";
  FILE* f = std::fopen(junk.c_str(), "w");
  std::fputs("not a key\n", f);
  std::fclose(f);
  CHECK_THROWS_WITH(load_or_create_key(junk), Catch::Contains("cannot use RSA key"));
  CHECK_THROWS_WITH(load_or_create_key(std::string(dir) + "/no/such/dir/k.pem"),
                    Catch::Contains("cannot write"));
  std::system(("rm -rf " + std::string(dir)).c_str());
}

namespace {

std::string program_path() {
  char buf[4096] = {};
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self(buf, n > 0 ? size_t(n) : 0);
  return self.substr(0, self.rfind('/') + 1) + "mtproto-test-dc";
}

struct child {
  pid_t pid = -1;
  int out = -1;
  int err = -1;
  std::string out_text, err_text;

  child(const std::vector<std::string>& args) {
    int o[2], e[2];
    REQUIRE(::pipe(o) == 0);
    REQUIRE(::pipe(e) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(o[1], 1);
      ::dup2(e[1], 2);
      ::close(o[0]);
      ::close(e[0]);
      std::vector<char*> argv;
      static std::string prog = program_path();
      argv.push_back(prog.data());
      for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(prog.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(o[1]);
    ::close(e[1]);
    out = o[0];
    err = e[0];
  }
  ~child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::close(out);
    ::close(err);
  }
  // Reads stdout until it holds `lines` lines (or 10 s pass).
  bool read_lines(size_t lines) {
    for (int i = 0; i < 100; ++i) {
      size_t have = 0;
      for (char ch : out_text)
        have += ch == '\n';
      if (have >= lines)
        return true;
      pollfd p{out, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char buf[1024];
        ssize_t n = ::read(out, buf, sizeof buf);
        if (n <= 0)
          return false;
        out_text.append(buf, size_t(n));
      }
    }
    return false;
  }
  int wait_exit() {
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(err, buf, sizeof buf)) > 0)
          err_text.append(buf, size_t(n));
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ::usleep(50'000);
    }
    return -1;
  }
};

} // namespace

TEST_CASE("mtproto-test-dc as a subprocess", "[server][cli][program]") {
  if (::access(program_path().c_str(), X_OK) != 0) {
    WARN("mtproto-test-dc not built next to test_server: build target mtproto-test-dc");
    return;
  }
  char dir[] = "/tmp/test_dc_progXXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string key = std::string(dir) + "/dc.pem";

  SECTION("serves two DCs, restarts on SIGUSR2, exits 0 on SIGTERM") {
    child p{{"--listen", "2=127.0.0.1:0", "--listen", "4=127.0.0.1:0", "--rsa-key", key}};
    REQUIRE(p.read_lines(2));
    auto pub = crypto::rsa_public_key::from_pem_file(std::string(dir) + "/dc.pub.pem");
    char fp[17];
    std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(pub.fingerprint()));
    unsigned port2 = 0, port4 = 0;
    char fp2[17] = {}, fp4[17] = {};
    const auto nl = p.out_text.find('\n');
    REQUIRE(std::sscanf(p.out_text.c_str(), "listening dc=2 127.0.0.1:%u fingerprint=%16s",
                        &port2, fp2) == 2);
    REQUIRE(std::sscanf(p.out_text.c_str() + nl + 1,
                        "listening dc=4 127.0.0.1:%u fingerprint=%16s", &port4, fp4) == 2);
    CHECK(std::string(fp2) == fp);
    CHECK(std::string(fp4) == fp);
    test_client c{uint16_t(port4)};
    c.handshake(pub, handshake::inner_data_kind::dc, 4);
    c.send(tl::serialize(tl::ping{1}));
    CHECK_NOTHROW(c.expect(tl::pong::id));
    // Telegram's rules are on by default: a bare API call is refused.
    byte_buffer bare;
    tl::writer{bare}.write_uint32(0x1fb33026);   // help.getNearestDc
    auto refused = c.expect_result(c.send(bare));
    tl::reader rr{refused};
    CHECK(tl::rpc_error::read(rr).error_message == "CONNECTION_NOT_INITED");
    ::kill(p.pid, SIGUSR2);
    CHECK(c.wait_closed());
    ::kill(p.pid, SIGTERM);
    CHECK(p.wait_exit() == 0);
  }
  SECTION("--push-update-every pushes updates, SIGHUP one more") {
    child p{{"--listen", "2=127.0.0.1:0", "--rsa-key", key, "--push-update-every", "100",
             "--push-update", "d3c0b0a0"}};
    REQUIRE(p.read_lines(1));
    unsigned port = 0;
    REQUIRE(std::sscanf(p.out_text.c_str(), "listening dc=2 127.0.0.1:%u", &port) == 1);
    auto pub = crypto::rsa_public_key::from_pem_file(std::string(dir) + "/dc.pub.pem");
    test_client c{uint16_t(port)};
    c.handshake(pub);
    c.send(tl::serialize(tl::ping{1}));
    CHECK_NOTHROW(c.expect(tl::pong::id));
    CHECK_NOTHROW(c.expect(0xa0b0c0d3));   // pushed within the period
    CHECK_NOTHROW(c.expect(0xa0b0c0d3));   // and again
    ::kill(p.pid, SIGTERM);
    CHECK(p.wait_exit() == 0);
  }
  SECTION("SIGHUP pushes updatesTooLong once") {
    child p{{"--listen", "2=127.0.0.1:0", "--rsa-key", key}};
    REQUIRE(p.read_lines(1));
    unsigned port = 0;
    REQUIRE(std::sscanf(p.out_text.c_str(), "listening dc=2 127.0.0.1:%u", &port) == 1);
    auto pub = crypto::rsa_public_key::from_pem_file(std::string(dir) + "/dc.pub.pem");
    test_client c{uint16_t(port)};
    c.handshake(pub);
    c.send(tl::serialize(tl::ping{1}));
    CHECK_NOTHROW(c.expect(tl::pong::id));
    CHECK(c.silent_for(std::chrono::milliseconds(200)));
    ::kill(p.pid, SIGHUP);
    CHECK_NOTHROW(c.expect(0xe317af7e));
    ::kill(p.pid, SIGTERM);
    CHECK(p.wait_exit() == 0);
  }
  SECTION("bad flags: one line on stderr, non-zero exit") {
    child p{{"--listen", "2=127.0.0.1", "--rsa-key", key}};
    CHECK(p.wait_exit() == 2);
    CHECK(p.err_text.find("no :PORT") != std::string::npos);
    CHECK(std::count(p.err_text.begin(), p.err_text.end(), '\n') == 1);
  }
  SECTION("an unreadable key") {
    const std::string junk = std::string(dir) + "/junk.pem";
    FILE* f = std::fopen(junk.c_str(), "w");
    std::fputs("junk\n", f);
    std::fclose(f);
    child p{{"--listen", "2=127.0.0.1:0", "--rsa-key", junk}};
    CHECK(p.wait_exit() == 1);
    CHECK(p.err_text.find("cannot use RSA key") != std::string::npos);
  }
  SECTION("a fault flag reaches the server") {
    child p{{"--listen", "2=127.0.0.1:0", "--rsa-key", key, "--close-at-handshake-step", "1"}};
    REQUIRE(p.read_lines(1));
    unsigned port = 0;
    REQUIRE(std::sscanf(p.out_text.c_str(), "listening dc=2 127.0.0.1:%u", &port) == 1);
    auto pub = crypto::rsa_public_key::from_pem_file(std::string(dir) + "/dc.pub.pem");
    test_client c{uint16_t(port)};
    CHECK_THROWS(c.handshake(pub));
  }
  SECTION("--lose-query reaches the server") {
    child p{{"--listen", "2=127.0.0.1:0", "--rsa-key", key, "--lose-query", "0x0badc0de:1",
             "--no-init-required"}};
    REQUIRE(p.read_lines(1));
    unsigned port = 0;
    REQUIRE(std::sscanf(p.out_text.c_str(), "listening dc=2 127.0.0.1:%u", &port) == 1);
    auto pub = crypto::rsa_public_key::from_pem_file(std::string(dir) + "/dc.pub.pem");
    test_client c{uint16_t(port)};
    c.handshake(pub);
    c.send(tl::serialize(tl::ping{1}));
    CHECK_NOTHROW(c.expect(tl::pong::id));
    byte_buffer q;
    tl::writer{q}.write_uint32(0x0badc0de);
    c.send(q);
    CHECK_FALSE(c.read_frame().has_value());   // lost: closed, nothing answered
    test_client c2{uint16_t(port)};
    c2.continue_session(c);
    // Budget of one spent: the same query now gets METHOD_INVALID.
    auto res = c2.expect_result(c2.send(q));
    tl::reader r{res};
    CHECK(tl::rpc_error::read(r).error_message == "METHOD_INVALID");
  }
  std::system(("rm -rf " + std::string(dir)).c_str());
}
