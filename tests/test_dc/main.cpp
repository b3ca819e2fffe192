// mtproto-test-dc: a local MTProto 2.0 server for offline client testing.
// See usage_text() in cli.cpp, or run with --help.
#include "mtsender/tests/test_dc/cli.hpp"
#include "mtsender/tests/test_dc/key_file.hpp"
#include "mtsender/tests/test_dc/server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <pthread.h>

using namespace mtsender::test_dc;

int main(int argc, char** argv) {
  cli_options cli;
  try {
    cli = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtproto-test-dc: %s\n", e.what());
    return 2;
  }
  if (cli.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  // Signals are taken by sigwait below; the loop threads inherit this mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGHUP})
    sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    auto key = load_or_create_key(cli.rsa_key_path);
    server_options opts;
    opts.dcs.clear();
    for (auto& l : cli.listen)
      opts.dcs.push_back(dc_endpoint{l.dc_id, l.host, l.port});
    opts.rsa_key = key.key;
    opts.faults = cli.faults;
    opts.pong = cli.pong_in_rpc_result ? pong_style::rpc_result : pong_style::top_level;
    opts.clock_offset = cli.clock_offset;
    opts.country = cli.country;
    opts.lenient_files = cli.lenient_files;
    opts.files = cli.files;

    opts.require_bound_temp_keys = !cli.allow_unbound_temp_keys;
    opts.proxy_secret = cli.proxy_secret;
    opts.rules = cli.rules;
    opts.accounts = cli.accounts;
    static std::mutex log_mu;
    if (cli.verbose)
      opts.log = [](const std::string& line) {
        std::lock_guard<std::mutex> lock{log_mu};
        std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
      };
    server srv{std::move(opts)};
    srv.start();
    if (cli.verbose) {
      std::fprintf(stderr, "%s RSA key %s, public key %s; faults: %s\n",
                   key.created ? "created" : "loaded", cli.rsa_key_path.c_str(),
                   key.public_path.c_str(), describe(cli.faults).c_str());
    }
    for (auto dc : srv.dc_ids())
      std::printf("listening dc=%d %s fingerprint=%016llx\n", dc,
                  format_endpoint(srv.host(dc), srv.port(dc)).c_str(),
                  static_cast<unsigned long long>(srv.fingerprint()));
    std::fflush(stdout);
    // The update --push-update-every and SIGHUP push (updatesTooLong by default).
    mtsender::byte_buffer push = cli.push_body;
    if (push.empty())
      push = {0x7e, 0xaf, 0x17, 0xe3};
    auto push_now = [&] {
      const size_t n = srv.push_update(push);
      if (cli.verbose)
        std::fprintf(stderr, "pushed an update to %zu sessions\n", n);
    };
    for (;;) {
      int sig = 0;
      if (cli.push_every_ms > 0) {
        timespec ts{cli.push_every_ms / 1000, long(cli.push_every_ms % 1000) * 1'000'000L};
        sig = sigtimedwait(&signals, nullptr, &ts);
        if (sig < 0) {
          if (errno == EAGAIN)
            push_now();
          continue;
        }
      } else if (sigwait(&signals, &sig) != 0) {
        continue;
      }
      if (sig == SIGINT || sig == SIGTERM)
        break;
      if (sig == SIGHUP) {
        push_now();
        continue;
      }
      if (sig == SIGUSR1) {
        srv.forget_sessions();
        if (cli.verbose)
          std::fprintf(stderr, "SIGUSR1: sessions forgotten\n");
      } else if (sig == SIGUSR2) {
        srv.forget_auth_keys();
        if (cli.verbose)
          std::fprintf(stderr, "SIGUSR2: auth keys forgotten\n");
      }
    }
    srv.stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtproto-test-dc: %s\n", e.what());
    return 1;
  }
  return 0;
}
