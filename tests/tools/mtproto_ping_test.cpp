// End-to-end tests of mtproto-ping against the mtproto-test-dc program (both
// run as child processes, on free loopback ports), plus unit tests of the
// tool's option parsing and report math.
#include "mtsender/examples/ping/options.hpp"
#include "mtsender/examples/ping/report.hpp"
#include "mtsender/tests/tools/json_lite.hpp"
#include "mtsender/tests/tools/subprocess.hpp"
#include "mtsender/transport/codec/obfuscation_header.hpp"
#include "mtsender/transport/crypto/aes_ctr.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifndef MTSENDER_PING_EXE
#error "MTSENDER_PING_EXE must name the mtproto-ping program"
#endif
#ifndef MTSENDER_TEST_DC_EXE
#error "MTSENDER_TEST_DC_EXE must name the mtproto-test-dc program"
#endif

namespace {

using namespace std::chrono_literals;
using tools_test::run;
using tools_test::run_result;

const std::string ping_exe = MTSENDER_PING_EXE;
const std::string dc_exe = MTSENDER_TEST_DC_EXE;

run_result ping(std::vector<std::string> args, std::chrono::milliseconds limit = 60s) {
  args.insert(args.begin(), ping_exe);
  return run(args, limit);
}

// The last line of stdout, parsed; FAILs the test when it is not JSON.
json::value last_json(const run_result& r) {
  auto lines = tools_test::lines_of(r.out);
  REQUIRE(!lines.empty());
  INFO("last line: " << lines.back());
  try {
    return json::parse(lines.back());
  } catch (const json::parse_error& e) {
    FAIL("not JSON: " << e.what());
  }
  return {};
}

// stderr must be exactly one line (the cause), and it must name `needle`.
void check_one_line_error(const run_result& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  auto lines = tools_test::lines_of(r.err);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("mtproto-ping: ", 0) == 0);
  CHECK(lines[0].find(needle) != std::string::npos);
}

void check_success_json(const json::value& j, const std::string& transport,
                        const tools_test::test_dc_process& dc, int count, int concurrency) {
  CHECK(j.at("ok").boolean());
  CHECK(j.at("exit_code").number() == 0);
  CHECK(j.at("error").is_null());
  CHECK(j.at("transport").text() == transport);
  CHECK(j.at("dc").number() == 2);
  CHECK(j.at("target").text() == dc.target());
  CHECK(j.at("key_fingerprint").text() == dc.fingerprint());

  const auto& p = j.at("pings");
  CHECK(p.at("count").number() == count);
  CHECK(p.at("concurrency").number() == concurrency);
  CHECK(p.at("sent").number() == count);
  CHECK(p.at("answered").number() == count);
  CHECK(p.at("failed").number() == 0);
  CHECK(p.at("wrong_ping_id").number() == 0);
  CHECK(j.at("failures").items.empty());

  const auto& ph = j.at("phases_ms");
  CHECK(ph.at("ready").number() > 0);
  CHECK(ph.at("first_ping").number() > 0);
  // A loopback server answers well within the tool's default 10 s limits.
  CHECK(ph.at("ready").number() < 10'000);
  // From the connection's stats: spawn -> connected -> key; the tool sees
  // the session up a little later, through a message.
  const double connect = ph.at("tcp_connect").number(), hs = ph.at("handshake").number();
  CHECK(connect >= 0);
  CHECK(hs > 0);
  CHECK(connect + hs <= ph.at("ready").number() + 0.001);

  const auto& rtt = j.at("rtt_ms");
  const double mn = rtt.at("min").number(), p50 = rtt.at("p50").number(),
               p90 = rtt.at("p90").number(), p99 = rtt.at("p99").number(),
               mx = rtt.at("max").number();
  CHECK(mn > 0);
  CHECK(mn <= p50);
  CHECK(p50 <= p90);
  CHECK(p90 <= p99);
  CHECK(p99 <= mx);
  CHECK(j.at("pings_per_second").number() > 0);
  // A new auth key always starts a new session on the server.
  const auto& ev = j.at("events");
  CHECK(ev.at("new_session_created").number() >= 1);
  // A well-behaved local server: counted, and nothing to correct.
  CHECK(ev.at("bad_server_salt").number() >= 0);
  CHECK(ev.at("time_corrections").number() >= 0);
  CHECK(ev.at("seqno_corrections").number() == 0);
  CHECK(ev.at("messages_ignored").number() == 0);
  // Three plain handshake frames each way, then at least one encrypted frame.
  CHECK(j.at("frames").at("sent").number() >= 4);
  CHECK(j.at("frames").at("received").number() >= 4);
  CHECK(j.at("frames").at("containers_sent").number() >= 0);
}

// The phases of a run that connected over TCP and then failed: the connect
// time is measured (a number, not null), the handshake and the session not.
void check_failed_after_connect(const json::value& j) {
  const auto& ph = j.at("phases_ms");
  INFO("tcp_connect must be measured when TCP connected");
  REQUIRE_FALSE(ph.at("tcp_connect").is_null());
  CHECK(ph.at("tcp_connect").number() >= 0);
  CHECK(ph.at("tcp_connect").number() < 10'000);
  CHECK(ph.at("handshake").is_null());
  CHECK(ph.at("ready").is_null());
}

// A loopback listener that accepts one connection, reads the 64-byte
// obfuscated2 header the client sends first, decrypts it as a server would
// and closes: what framing is inside, and which DC is asked for.
class obfuscation_sniffer {
public:
  obfuscation_sniffer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(fd_ >= 0);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~obfuscation_sniffer() {
    if (thread_.joinable())
      thread_.join();
    ::close(fd_);
  }

  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  // Waits for the connection to be read; the header's plaintext tail.
  struct seen {
    std::optional<mtsender::codec::framing> inner;
    int16_t dc_id = 0;
  };
  std::optional<seen> result() {
    thread_.join();
    return result_;
  }

private:
  void serve() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 30'000) <= 0)
      return;
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0)
      return;
    mtsender::codec::obfuscation_header header{};
    size_t got = 0;
    while (got < header.size()) {
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 30'000) <= 0)
        break;
      ssize_t n = ::read(c, header.data() + got, header.size() - got);
      if (n <= 0)
        break;
      got += size_t(n);
    }
    ::close(c);  // the client sees the server close during its handshake
    if (got < header.size())
      return;
    using namespace mtsender;
    auto keys = codec::derive_obfuscation_keys(header, codec::side::server, std::nullopt);
    crypto::aes_ctr{keys.decrypt_key, keys.decrypt_iv}.apply(header.data(), header.size());
    seen s;
    s.inner = codec::framing_of_obfuscation_tag(load_le32(header.data() + 56));
    s.dc_id = int16_t(uint16_t(header[60] | header[61] << 8));
    result_ = s;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::optional<seen> result_;
};

} // namespace

// ------------------------------------------------------------------ end to end

TEST_CASE("mtproto-ping answers every ping on every transport", "[tools][ping]") {
  tools_test::temp_dir tmp;
  tools_test::test_dc_process dc{dc_exe, tmp.path()};
  // One server for all (a loop, not sections: sections would restart it).
  // Each spelling, and how the report names it.
  const std::vector<std::pair<std::string, std::string>> transports = {
    {"abridged", "abridged"},
    {"intermediate", "intermediate"},
    {"padded", "padded"},
    {"full", "full"},
    {"obfuscated", "obfuscated:intermediate"},  // the old spelling keeps working
    {"obfuscated:abridged", "obfuscated:abridged"},
    {"obfuscated:intermediate", "obfuscated:intermediate"},
    {"obfuscated:padded", "obfuscated:padded"},
  };
  for (const auto& [transport, reported] : transports) {
    auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--transport", transport,
                   "--count", "40", "--concurrency", "4", "--json"});
    INFO("transport " << transport << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    check_success_json(last_json(r), reported, dc, 40, 4);
  }
}

TEST_CASE("mtproto-ping puts the chosen framing inside obfuscated2", "[tools][ping]") {
  using mtsender::codec::framing;
  // What a server finds when it decrypts the header; the server then closes,
  // so each run is also a handshake that fails after TCP connected.
  const std::vector<std::pair<std::string, framing>> cases = {
    {"obfuscated", framing::intermediate},
    {"obfuscated:abridged", framing::abridged},
    {"obfuscated:intermediate", framing::intermediate},
    {"obfuscated:padded", framing::padded_intermediate},
  };
  tools_test::temp_dir tmp;
  std::string key;
  {
    tools_test::test_dc_process dc{dc_exe, tmp.path()};
    key = dc.public_key_path();
  }
  for (const auto& [transport, inner] : cases) {
    obfuscation_sniffer sniffer;
    auto r = ping({sniffer.target(), "--rsa-key", key, "--transport", transport, "--dc", "4",
                   "--timeout", "5", "--json"},
                  30s);
    auto seen = sniffer.result();
    INFO("transport " << transport << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(seen);
    REQUIRE(seen->inner);
    CHECK(*seen->inner == inner);
    CHECK(seen->dc_id == 4);
    CHECK(r.exit_code == 4);
    check_one_line_error(r, "handshake");
    check_failed_after_connect(last_json(r));
  }
}

TEST_CASE("mtproto-ping accepts pongs wrapped in rpc_result too", "[tools][ping]") {
  tools_test::temp_dir tmp;
  tools_test::test_dc_process dc{dc_exe, tmp.path(), {"--pong-in-rpc-result"}};
  auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--count", "10", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  check_success_json(last_json(r), "intermediate", dc, 10, 1);
}

TEST_CASE("mtproto-ping prints a human report without --json", "[tools][ping]") {
  tools_test::temp_dir tmp;
  tools_test::test_dc_process dc{dc_exe, tmp.path()};
  auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--count", "5"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("5/5 pings answered") != std::string::npos);
  CHECK(r.out.find("first ping") != std::string::npos);
  CHECK(r.out.find("p99") != std::string::npos);
  CHECK(r.out.find("new_session_created") != std::string::npos);
  CHECK(r.out.find("tcp connect") != std::string::npos);
  CHECK(r.out.find("handshake") != std::string::npos);
  CHECK(r.out.find('{') == std::string::npos);  // no JSON without --json
}

TEST_CASE("mtproto-ping with a key the server does not have exits 4", "[tools][ping]") {
  tools_test::temp_dir tmp;
  tools_test::test_dc_process dc{dc_exe, tmp.path()};
  SECTION("the built-in Telegram key") {
    auto r = ping({dc.target(), "--json"}, 30s);
    CHECK(r.exit_code == 4);
    check_one_line_error(r, "fingerprint");
    auto j = last_json(r);
    CHECK_FALSE(j.at("ok").boolean());
    CHECK(j.at("exit_code").number() == 4);
    CHECK(j.at("error").text().find("handshake") != std::string::npos);
    CHECK(j.at("pings").at("sent").number() == 0);
    check_failed_after_connect(j);
    // Telegram's production key, as in telegram_defaults.hpp.
    CHECK(j.at("key_fingerprint").text() == "d09d1d85de64fd85");
  }
  SECTION("another test server's key") {
    tools_test::temp_dir other_dir;
    std::string other_key;
    {
      tools_test::test_dc_process other{dc_exe, other_dir.path()};
      other_key = other.public_key_path();
      REQUIRE(other.fingerprint() != dc.fingerprint());
    }
    auto r = ping({dc.target(), "--rsa-key", other_key, "--json"}, 30s);
    CHECK(r.exit_code == 4);
    check_one_line_error(r, "handshake");
    check_failed_after_connect(last_json(r));
  }
  SECTION("the human report shows the TCP connect time too") {
    auto r = ping({dc.target()}, 30s);
    INFO("stdout: " << r.out);
    CHECK(r.exit_code == 4);
    CHECK(r.out.find("tcp connect") != std::string::npos);
    CHECK(r.out.find("error: handshake") != std::string::npos);
  }
}

TEST_CASE("mtproto-ping to a closed port exits 3", "[tools][ping]") {
  tools_test::refused_port closed;
  const std::string target = "127.0.0.1:" + std::to_string(closed.port());
  auto r = ping({target, "--rsa-key", "/dev/null/unused", "--json"}, 30s);
  // An unreadable key file is a usage error, found before any connect.
  CHECK(r.exit_code == 2);

  tools_test::temp_dir tmp;
  std::string key;
  {
    tools_test::test_dc_process dc{dc_exe, tmp.path()};
    key = dc.public_key_path();
  }
  r = ping({target, "--rsa-key", key, "--json"}, 30s);
  INFO("stdout: " << r.out);
  CHECK(r.exit_code == 3);
  check_one_line_error(r, "refused");
  check_one_line_error(r, target);
  auto j = last_json(r);
  CHECK(j.at("exit_code").number() == 3);
  CHECK(j.at("error").text().find("connect") != std::string::npos);
  CHECK(j.at("phases_ms").at("tcp_connect").is_null());  // it never connected
  CHECK(r.seconds < 10);
}

TEST_CASE("mtproto-ping fails the handshake phase when the server misbehaves",
          "[tools][ping]") {
  tools_test::temp_dir tmp;
  SECTION("the server closes at req_DH_params") {
    tools_test::test_dc_process dc{dc_exe, tmp.path(),
                                   {"--close-at-handshake-step", "req_DH_params"}};
    auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--json"}, 30s);
    CHECK(r.exit_code == 4);
    check_one_line_error(r, "closed");
    check_failed_after_connect(last_json(r));
  }
  SECTION("the server never answers: the handshake times out") {
    tools_test::test_dc_process dc{dc_exe, tmp.path(), {"--stall"}};
    auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--timeout", "1", "--json"},
                  30s);
    CHECK(r.exit_code == 4);
    check_one_line_error(r, "handshake");
    check_failed_after_connect(last_json(r));
    CHECK(r.seconds < 8);  // 1 s limit, plus start-up and shutdown
  }
}

TEST_CASE("mtproto-ping exits 5 when pings go unanswered", "[tools][ping]") {
  tools_test::temp_dir tmp;
  // Three handshake frames, then the first encrypted frames get answered; after
  // that the server reads nothing more. Each unanswered pair of pings costs
  // its 1 s timeout, so a few pings past the stall are enough.
  tools_test::test_dc_process dc{dc_exe, tmp.path(), {"--stall-after-frames", "5"}};
  auto r = ping({dc.target(), "--rsa-key", dc.public_key_path(), "--count", "8",
                 "--concurrency", "2", "--timeout", "1", "--json"},
                60s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 5);
  check_one_line_error(r, "pings failed");
  auto j = last_json(r);
  CHECK_FALSE(j.at("ok").boolean());
  const auto& p = j.at("pings");
  CHECK(p.at("answered").number() < 8);
  CHECK(p.at("answered").number() + p.at("failed").number() + p.at("wrong_ping_id").number()
        == 8);
  CHECK_FALSE(j.at("failures").items.empty());
}

TEST_CASE("mtproto-ping rejects bad arguments with exit 2", "[tools][ping]") {
  struct bad_case {
    std::vector<std::string> args;
    std::string needle;
  };
  const std::vector<bad_case> cases = {
    {{}, "missing HOST:PORT"},
    {{"127.0.0.1"}, "no port"},
    {{"127.0.0.1:0"}, "port"},
    {{"127.0.0.1:70000"}, "port"},
    {{":443"}, "no host"},
    {{"::1:443"}, "[ADDR]:PORT"},
    {{"127.0.0.1:443", "127.0.0.1:444"}, "unexpected argument"},
    {{"127.0.0.1:443", "--count", "0"}, "--count"},
    {{"127.0.0.1:443", "--count", "ten"}, "--count"},
    {{"127.0.0.1:443", "--count"}, "needs a value"},
    {{"127.0.0.1:443", "--concurrency", "-1"}, "--concurrency"},
    {{"127.0.0.1:443", "--dc", "0"}, "--dc"},
    {{"127.0.0.1:443", "--timeout", "0"}, "--timeout"},
    {{"127.0.0.1:443", "--transport", "carrier-pigeon"}, "carrier-pigeon"},
    {{"127.0.0.1:443", "--transport", "obfuscated:full"}, "obfuscated:full"},
    {{"127.0.0.1:443", "--bogus"}, "--bogus"},
    {{"127.0.0.1:443", "--json=yes"}, "--json"},
    {{"127.0.0.1:443", "--rsa-key", "/nonexistent/key.pem"}, "/nonexistent/key.pem"},
  };
  for (auto& c : cases) {
    std::string shown;
    for (auto& a : c.args)
      shown += a + " ";
    DYNAMIC_SECTION("args: " << shown) {
      auto r = ping(c.args, 20s);
      CHECK(r.exit_code == 2);
      check_one_line_error(r, c.needle);
      CHECK(r.out.empty());
    }
  }
}

TEST_CASE("mtproto-ping refuses a private key file as --rsa-key", "[tools][ping]") {
  tools_test::temp_dir tmp;
  tools_test::test_dc_process dc{dc_exe, tmp.path()};
  auto r = ping({dc.target(), "--rsa-key", dc.private_key_path()}, 20s);
  CHECK(r.exit_code == 2);
  check_one_line_error(r, dc.private_key_path());
}

TEST_CASE("mtproto-ping --help prints the usage and exits 0", "[tools][ping]") {
  auto r = ping({"--help"}, 20s);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("usage: mtproto-ping HOST:PORT") != std::string::npos);
  CHECK(r.out.find("--concurrency") != std::string::npos);
  CHECK(r.err.empty());
}

// ------------------------------------------------------------ pieces of the tool

TEST_CASE("ping options parse every form", "[tools][ping][options]") {
  using namespace mtsender::ping_tool;
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "mtproto-ping");
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    return parse_ping_options(int(argv.size()), argv.data());
  };
  auto o = parse({"10.0.0.1:443"});
  CHECK(o.host == "10.0.0.1");
  CHECK(o.port == 443);
  CHECK(o.dc == 2);
  CHECK(o.count == 10);
  CHECK(o.concurrency == 1);
  CHECK(o.framing == mtsender::codec::framing::intermediate);
  CHECK(o.rsa_key_path.empty());
  CHECK_FALSE(o.json);

  o = parse({"--transport=obfuscated", "[::1]:8443", "--dc", "-4", "--count=7", "--json",
             "--concurrency", "3", "--rsa-key", "k.pem", "--timeout", "2"});
  CHECK(o.host == "::1");
  CHECK(o.port == 8443);
  CHECK(o.framing == mtsender::codec::framing::obfuscated2);
  CHECK(o.inner == mtsender::codec::framing::intermediate);
  CHECK(o.dc == -4);
  CHECK(o.count == 7);
  CHECK(o.concurrency == 3);
  CHECK(o.rsa_key_path == "k.pem");
  CHECK(o.timeout_s == 2);
  CHECK(o.json);

  CHECK(o.transport == "obfuscated:intermediate");
  for (auto [name, inner] :
       {std::pair{"obfuscated:abridged", mtsender::codec::framing::abridged},
        std::pair{"obfuscated:intermediate", mtsender::codec::framing::intermediate},
        std::pair{"obfuscated:padded", mtsender::codec::framing::padded_intermediate}}) {
    auto ob = parse({"h:1", "--transport", name});
    CHECK(ob.framing == mtsender::codec::framing::obfuscated2);
    CHECK(ob.inner == inner);
    CHECK(ob.transport == name);
  }
  CHECK_THROWS_AS(parse({"h:1", "--transport", "obfuscated:full"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--transport", "obfuscated:"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--transport", "obfuscated:obfuscated"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--transport", "abridged:intermediate"}), usage_error);
  CHECK(parse({"h:1", "--transport", "padded"}).framing
        == mtsender::codec::framing::padded_intermediate);
  CHECK(parse({"h:1", "--transport", "full"}).framing == mtsender::codec::framing::full);
  CHECK(parse({"h:1", "--transport", "abridged"}).framing == mtsender::codec::framing::abridged);
  CHECK(parse({"-h"}).help);

  CHECK_THROWS_AS(parse({"h:1", "--dc", "40000"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--count", "99999999999999999999"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--count", "1x"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--count", "-"}), usage_error);
  CHECK_THROWS_AS(parse({"[::1:443"}), usage_error);
  CHECK_THROWS_AS(parse({"[::1]443"}), usage_error);
  CHECK_THROWS_AS(parse({"h:1", "--rsa-key="}), usage_error);
}

TEST_CASE("ping report percentiles are nearest-rank samples", "[tools][ping][report]") {
  using namespace mtsender::ping_tool;
  auto empty = summarize({});
  CHECK(empty.min_ns == -1);
  CHECK(empty.max_ns == -1);

  auto one = summarize({42});
  CHECK(one.min_ns == 42);
  CHECK(one.p50_ns == 42);
  CHECK(one.p99_ns == 42);
  CHECK(one.max_ns == 42);

  // 1..100 shuffled: nearest rank gives p50 = 50, p90 = 90, p99 = 99.
  std::vector<int64_t> hundred;
  for (int64_t i = 100; i >= 1; --i)
    hundred.push_back(i * 1000);
  std::rotate(hundred.begin(), hundred.begin() + 37, hundred.end());
  auto s = summarize(hundred);
  CHECK(s.min_ns == 1000);
  CHECK(s.p50_ns == 50'000);
  CHECK(s.p90_ns == 90'000);
  CHECK(s.p99_ns == 99'000);
  CHECK(s.max_ns == 100'000);

  // Ten samples: p50 = 5th, p90 = 9th, p99 = 10th smallest.
  auto ten = summarize({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  CHECK(ten.p50_ns == 5);
  CHECK(ten.p90_ns == 9);
  CHECK(ten.p99_ns == 10);
}

TEST_CASE("ping report JSON is one valid object and escapes text", "[tools][ping][report]") {
  using namespace mtsender::ping_tool;
  ping_report r;
  r.target = "h:1";
  r.transport = "full";
  r.dc = 2;
  r.key_fingerprint = 0xd09d1d85de64fd85ull;
  r.count = 3;
  r.concurrency = 1;
  r.exit_code = 5;
  r.error = "quote \" backslash \\ newline \n tab \t bell \x07";
  r.failures = {"a", "b\"c"};
  r.rtts_ns = {1'500'000, 500'000};
  r.answered = 2;
  r.failed = 1;
  r.ready_ns = 2'000'000;
  const std::string line = to_json(r);
  CHECK(line.find('\n') == std::string::npos);
  auto j = json::parse(line);
  CHECK(j.at("error").text() == r.error);
  CHECK(j.at("key_fingerprint").text() == "d09d1d85de64fd85");
  CHECK(j.at("failures").items.size() == 2);
  CHECK(j.at("failures").items[1].text() == "b\"c");
  CHECK(j.at("rtt_ms").at("min").number() == Approx(0.5));
  CHECK(j.at("rtt_ms").at("max").number() == Approx(1.5));
  CHECK(j.at("phases_ms").at("tcp_connect").is_null());
  CHECK(j.at("phases_ms").at("ready").number() == Approx(2.0));
  CHECK(j.at("events").at("bad_server_salt").is_null());
  CHECK(j.at("frames").at("sent").is_null());
  CHECK_FALSE(j.at("ok").boolean());
}
