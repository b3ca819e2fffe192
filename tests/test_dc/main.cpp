// mtproto-test-dc: a local MTProto 2.0 server for offline client testing.
// See usage_text() in cli.cpp, or run with --help.
#include "mtsender/tests/test_dc/cli.hpp"
#include "mtsender/tests/test_dc/key_file.hpp"
#include "mtsender/tests/test_dc/server.hpp"

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
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE})
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
    opts.require_bound_temp_keys = !cli.allow_unbound_temp_keys;
    opts.proxy_secret = cli.proxy_secret;
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
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0)
        continue;
      if (sig == SIGINT || sig == SIGTERM)
        break;
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
