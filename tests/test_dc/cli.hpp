// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// The command line of mtproto-test-dc, parsed into server options (kept apart
// from main.cpp so the tests can check it):
//
//   mtproto-test-dc --listen DC_ID=HOST:PORT [--listen ...] --rsa-key FILE.pem
//                   [--verbose] [fault flags] [options]
#pragma once

#include "mtsender/tests/test_dc/accounts.hpp"
#include "mtsender/tests/test_dc/api_rules.hpp"
#include "mtsender/tests/test_dc/fault_plan.hpp"
#include "mtsender/tests/test_dc/file_options.hpp"
#include "mtsender/tests/test_dc/net.hpp"

#include "mtsender/transport/bytes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mtsender::test_dc {

struct cli_options {
  std::vector<listen_spec> listen;
  std::string rsa_key_path;
  bool verbose = false;
  bool help = false;
  fault_plan faults;
  bool pong_in_rpc_result = false;
  int32_t clock_offset = 0;
  std::string country = "ZZ";
  bool lenient_files = false;
  file_options files;

  bool allow_unbound_temp_keys = false;
  std::optional<int128> proxy_secret;
  api_rules rules;   // --no-init-required, --no-updates-opt-out, --layers MIN-MAX
  // --bot-token ID:SECRET (repeatable), --only-listed-bot-tokens,
  // --home-dc ACCOUNT=DC (repeatable), --files-dc DC, --no-accounts
  account_options accounts;
  // --push-update-every MS: push `push_body` to every session this often
  // (0: never; SIGHUP pushes it once). --push-update HEX sets the body.
  int32_t push_every_ms = 0;
  byte_buffer push_body;   // empty: updatesTooLong#e317af7e
};

// Throws std::invalid_argument with a one-line message naming the bad flag.
cli_options parse_command_line(const std::vector<std::string>& args);

// Fault flag values: "corrupted" / "garbage:3" (kind, optional times),
// "-429" / "-404:2", "req_pq" / "2".
bad_frame parse_bad_frame(const std::string& text, uint32_t& times);
int32_t parse_transport_error(const std::string& text, uint32_t& times);
handshake_step parse_handshake_step(const std::string& text);
// "0x0badc0de" / "#0badc0de" / "0badc0de", optional ":TIMES": a nonzero TL
// constructor id in hex (1 to 8 digits).
uint32_t parse_lose_query(const std::string& text, uint32_t& times);

const char* usage_text() noexcept;

} // namespace mtsender::test_dc
