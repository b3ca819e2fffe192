#include "mtsender/tests/test_dc/cli.hpp"

#include "mtsender/transport/hex.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace mtsender::test_dc {

namespace {

std::invalid_argument bad(const std::string& flag, const std::string& why) {
  return std::invalid_argument(flag + ": " + why);
}

int64_t parse_int(const std::string& flag, const std::string& text, int64_t lo, int64_t hi) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used, 10);
  } catch (const std::exception&) {
    throw bad(flag, "'" + text + "' is not a number");
  }
  if (used != text.size())
    throw bad(flag, "'" + text + "' is not a number");
  if (v < lo || v > hi)
    throw bad(flag, "'" + text + "' is out of range " + std::to_string(lo) + ".."
                      + std::to_string(hi));
  return v;
}

// "value" or "value:times".
std::string split_times(const std::string& flag, const std::string& text, uint32_t& times) {
  auto colon = text.find(':');
  times = 0;
  if (colon == std::string::npos)
    return text;
  times = uint32_t(parse_int(flag, text.substr(colon + 1), 1, 1'000'000));
  return text.substr(0, colon);
}

} // namespace

bad_frame parse_bad_frame(const std::string& text, uint32_t& times) {
  const auto kind = split_times("--bad-frame", text, times);
  for (auto b : {bad_frame::corrupted, bad_frame::truncated, bad_frame::oversized,
                 bad_frame::garbage})
    if (kind == to_string(b))
      return b;
  throw bad("--bad-frame", "'" + kind + "' is not corrupted, truncated, oversized or garbage");
}

int32_t parse_transport_error(const std::string& text, uint32_t& times) {
  const auto code = split_times("--transport-error", text, times);
  return int32_t(parse_int("--transport-error", code, -100000, -1));
}

handshake_step parse_handshake_step(const std::string& text) {
  if (text == "1" || text == "req_pq")
    return handshake_step::req_pq;
  if (text == "2" || text == "req_DH_params" || text == "req_dh_params")
    return handshake_step::req_dh_params;
  if (text == "3" || text == "set_client_DH_params" || text == "set_client_dh_params")
    return handshake_step::set_client_dh_params;
  throw bad("--close-at-handshake-step",
            "'" + text + "' is not req_pq, req_DH_params or set_client_DH_params (or 1..3)");
}

uint32_t parse_lose_query(const std::string& text, uint32_t& times) {
  const std::string flag = "--lose-query";
  std::string id = split_times(flag, text, times);
  if (id.rfind("0x", 0) == 0 || id.rfind("0X", 0) == 0)
    id.erase(0, 2);
  else if (id.rfind('#', 0) == 0)
    id.erase(0, 1);
  const bool hex = !id.empty() && id.size() <= 8
                   && std::all_of(id.begin(), id.end(),
                                  [](char ch) { return std::isxdigit(uint8_t(ch)) != 0; });
  if (!hex)
    throw bad(flag, "'" + text + "' is not a constructor id (hex, e.g. 0x0badc0de)");
  const auto v = uint32_t(std::stoul(id, nullptr, 16));
  if (v == 0)
    throw bad(flag, "constructor id 0 is not a constructor");
  return v;
}

cli_options parse_command_line(const std::vector<std::string>& args) {
  cli_options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size())
        throw bad(a, "needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--listen") {
      o.listen.push_back(parse_listen_spec(value()));
    } else if (a == "--rsa-key") {
      o.rsa_key_path = value();
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--close-after-frames") {
      o.faults.close_after_frames = uint32_t(parse_int(a, value(), 1, 1'000'000'000));
    } else if (a == "--close-at-handshake-step") {
      o.faults.close_at_handshake = parse_handshake_step(value());
    } else if (a == "--transport-error") {
      o.faults.transport_error = parse_transport_error(value(), o.faults.transport_error_times);
    } else if (a == "--bad-frame") {
      o.faults.bad_answer = parse_bad_frame(value(), o.faults.bad_answer_times);
    } else if (a == "--lose-query") {
      o.faults.lose_query = parse_lose_query(value(), o.faults.lose_query_times);
    } else if (a == "--refuse-future-salts") {
      o.faults.refuse_future_salts = true;
    } else if (a == "--stall") {
      o.faults.stall = true;
    } else if (a == "--stall-after-frames") {
      o.faults.stall = true;
      o.faults.stall_after_frames = uint32_t(parse_int(a, value(), 0, 1'000'000'000));
    } else if (a == "--pong-in-rpc-result") {
      o.pong_in_rpc_result = true;
    } else if (a == "--clock-offset") {
      o.clock_offset = int32_t(parse_int(a, value(), -1'000'000'000, 1'000'000'000));
    } else if (a == "--proxy-secret") {
      const std::string& hex = value();
      byte_buffer b;
      try {
        b = from_hex(hex);
      } catch (const std::exception&) {
        throw bad(a, "'" + hex + "' is not hex");
      }
      if (b.size() != 16)
        throw bad(a, "needs 16 bytes (32 hex digits), got " + std::to_string(b.size()));
      int128 secret;
      std::copy(b.begin(), b.end(), secret.begin());
      o.proxy_secret = secret;
    } else if (a == "--lenient-files") {
      o.lenient_files = true;
    } else if (a == "--max-file-parts") {
      o.files.max_parts = int32_t(parse_int(a, value(), 1, 1'000'000));
    } else if (a == "--max-file-bytes") {
      o.files.max_bytes = size_t(parse_int(a, value(), 1, int64_t(1) << 40));
    } else if (a == "--files-dc") {
      // One switch for both sides of "files live on DC N": assembled uploads
      // are kept there (file_store) and getFile elsewhere is sent there
      // (accounts' FILE_MIGRATE_N).
      o.files.files_dc = int32_t(parse_int(a, value(), 1, 1'000'000));
      o.accounts.files_dc = o.files.files_dc;
    } else if (a == "--cdn-dc") {
      o.files.cdn_dc = int32_t(parse_int(a, value(), 1, 1'000'000));
    } else if (a == "--cdn-reupload-needed") {
      o.files.cdn_reupload_needed = true;
    } else if (a == "--cdn-corrupt-offset") {
      o.files.cdn_corrupt_offset = parse_int(a, value(), 0, int64_t(1) << 40);
    } else if (a == "--allow-unbound-temp-keys") {
      o.allow_unbound_temp_keys = true;
    } else if (a == "--country") {
      o.country = value();
    } else if (a == "--push-update-every") {
      o.push_every_ms = int32_t(parse_int(a, value(), 1, 86'400'000));
    } else if (a == "--push-update") {
      const std::string& hex = value();
      try {
        o.push_body = from_hex(hex);
      } catch (const std::exception&) {
        throw bad(a, "'" + hex + "' is not hex");
      }
      if (o.push_body.size() < 4 || o.push_body.size() % 4 != 0)
        throw bad(a, "needs a TL object: a non-zero multiple of 4 bytes");
    } else if (a == "--bot-token") {
      o.accounts.bot_tokens.push_back(value());
    } else if (a == "--only-listed-bot-tokens") {
      o.accounts.accept_any_bot_token = false;
    } else if (a == "--home-dc") {
      const std::string& v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0)
        throw bad(a, "'" + v + "' is not ACCOUNT=DC");
      o.accounts.home_dc[parse_int(a, v.substr(0, eq), 1, INT64_MAX)] =
        int32_t(parse_int(a, v.substr(eq + 1), -1'000'000, 1'000'000));
    } else if (a == "--phone") {
      const std::string& v = value();
      const auto eq = v.find('=');
      const auto at = v.find('@', eq == std::string::npos ? 0 : eq);
      if (eq == std::string::npos || eq == 0 || at == std::string::npos)
        throw bad(a, "'" + v + "' is not PHONE=ACCOUNT@DC");
      o.accounts.phones[v.substr(0, eq)] = {
        parse_int(a, v.substr(eq + 1, at - eq - 1), 1, INT64_MAX),
        int32_t(parse_int(a, v.substr(at + 1), 1, 1'000'000))};
    } else if (a == "--no-phone-migrate") {
      o.accounts.phone_migrate = false;
    } else if (a == "--no-accounts") {
      o.accounts.enabled = false;
    } else if (a == "--no-init-required") {
      o.rules.require_init_connection = false;
    } else if (a == "--no-updates-opt-out") {
      o.rules.honour_without_updates = false;
    } else if (a == "--layers") {
      const std::string& v = value();
      const auto dash = v.find('-');
      if (dash == std::string::npos || dash == 0)
        throw bad(a, "'" + v + "' is not MIN-MAX");
      o.rules.min_layer = int32_t(parse_int(a, v.substr(0, dash), 1, 1'000'000));
      o.rules.max_layer = int32_t(parse_int(a, v.substr(dash + 1), 1, 1'000'000));
      if (o.rules.min_layer > o.rules.max_layer)
        throw bad(a, "'" + v + "': MIN is above MAX");
    } else {
      throw bad(a, "unknown flag (see --help)");
    }
  }
  if (o.help)
    return o;
  if (o.listen.empty())
    throw std::invalid_argument("--listen DC_ID=HOST:PORT is required");
  if (o.rsa_key_path.empty())
    throw std::invalid_argument("--rsa-key FILE.pem is required");
  for (size_t i = 0; i < o.listen.size(); ++i)
    for (size_t j = i + 1; j < o.listen.size(); ++j)
      if (o.listen[i].dc_id == o.listen[j].dc_id)
        throw std::invalid_argument("--listen: DC " + std::to_string(o.listen[i].dc_id)
                                    + " given twice");
  return o;
}

const char* usage_text() noexcept {
  return R"(usage: mtproto-test-dc --listen DC_ID=HOST:PORT [--listen ...] --rsa-key FILE.pem
                       [--verbose] [fault flags] [options]

A local MTProto 2.0 server (framings: abridged, intermediate, padded
intermediate, full, obfuscated2). Port 0 picks a free port. If FILE.pem does
not exist, a new 2048-bit RSA key is written there (mode 0600); the public
key is written to FILE.pub.pem (PKCS#1). When ready, one line per DC goes to
stdout:
  listening dc=2 127.0.0.1:PORT fingerprint=HEX
--verbose logs one line per connection event to stderr.

fault flags:
  --close-after-frames N          close each connection after N frames from it
  --close-at-handshake-step STEP  req_pq | req_DH_params | set_client_DH_params
  --transport-error CODE[:TIMES]  answer encrypted packets with CODE (-404, -429), then close
  --bad-frame KIND[:TIMES]        corrupted | truncated | oversized | garbage answers
  --lose-query CTOR[:TIMES]       a packet carrying query CTOR (hex, e.g. 0x0badc0de; also in
                                  containers and wrappers) closes the connection unread: never
                                  acked, answered or recorded (msgs_state_req says 2/3)
  --refuse-future-salts           answer get_future_salts with rpc_error 400
  --stall                         accept connections, never read or answer
  --stall-after-frames N          stall each connection after N frames
options:
  --pong-in-rpc-result            wrap pong in rpc_result (default: top-level pong)
  --clock-offset SECONDS          shift the server clock
  --country CC                    help.getNearestDc country (default ZZ)
  --lenient-files                 files without Telegram's checks (getFile offset/limit,
                                  part sizes, md5)
  --max-file-parts N              part-count limit (default 4000; Telegram premium: 8000)
  --max-file-bytes N              bytes of parts and files kept before the oldest go (1 GiB)
  --files-dc N                    files live on DC N: uploads are assembled there and
                                  upload.getFile elsewhere gets FILE_MIGRATE_N
  --cdn-dc N                      DC N (one of --listen) plays a CDN DC
  --cdn-reupload-needed           the CDN answers cdnFileReuploadNeeded until reuploadCdnFile
  --cdn-corrupt-offset N          the CDN flips the byte at file offset N
  --allow-unbound-temp-keys       temporary keys serve queries before auth.bindTempAuthKey
  --proxy-secret HEX              obfuscated2 clients must use this 16-byte MTProxy secret
API rules (on by default, as on Telegram):
  --no-init-required              API calls need no initConnection first (default: 400
                                  CONNECTION_NOT_INITED in a session that never sent one)
  --layers MIN-MAX                layers served (default 1-228); others get 400
                                  CONNECTION_LAYER_INVALID
  --no-updates-opt-out            push updates even to sessions that asked for none
                                  (default: invokeWithoutUpdates is honoured)
accounts (auth.importBotAuthorization, export/import across the DCs):
  --bot-token ID:SECRET           a bot token to accept (repeatable)
  --only-listed-bot-tokens        accept only the listed tokens (default: any ID:SECRET)
  --home-dc ACCOUNT=DC            the account's home DC: logins elsewhere get USER_MIGRATE_DC
  --phone PHONE=ACCOUNT@DC        a phone login (auth.sendCode, auth.signIn with code
                                  12345) for ACCOUNT, whose home is DC
  --no-phone-migrate              serve phone logins on any DC (default: PHONE_MIGRATE_DC)
  --no-accounts                   no built-in account methods
updates from outside:
  --push-update-every MS          push an update to every session of every DC this often
  --push-update HEX               its body, a boxed TL object in hex (default
                                  updatesTooLong e317af7e, little-endian: 7eaf17e3)
signals: SIGINT/SIGTERM exit; SIGUSR1 forgets every session, SIGUSR2 every
auth key (a restart; open connections are closed); SIGHUP pushes the update
once.
)";
}

} // namespace mtsender::test_dc
