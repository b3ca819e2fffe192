// mtproto-ping's command line: what to ping and how.
//
//   ping_options o = parse_ping_options(argc, argv);  // throws usage_error
//
// Header-only on purpose: the examples folder builds one program per .cpp, so
// helpers of mtproto_ping.cpp live in headers next to it.
#pragma once

#include "mtsender/transport/codec/frame_codec.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mtsender::ping_tool {

// Exit codes, distinct per failing phase so scripts can tell them apart.
enum exit_code : int {
  exit_ok = 0,
  exit_usage = 2,      // bad arguments or an unusable --rsa-key file
  exit_connect = 3,    // no TCP connection
  exit_handshake = 4,  // connected, but no auth key (wrong key, server refused, ...)
  exit_pings = 5,      // a ping failed or was answered with the wrong ping_id
};

class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* usage_text =
  "usage: mtproto-ping HOST:PORT [--rsa-key PUB.pem]\n"
  "                    [--transport abridged|intermediate|padded|full|obfuscated[:INNER]]\n"
  "                    [--dc N] [--count N] [--concurrency K] [--timeout SECONDS] [--json]\n"
  "\n"
  "Connects to an MTProto server, creates an auth key and sends ping RPCs.\n"
  "  HOST:PORT      IPv4, host name, or [IPv6]:PORT\n"
  "  --rsa-key      the server's RSA public key (PEM); default: Telegram's production key\n"
  "  --transport    framing: abridged, intermediate (default), padded, full, or\n"
  "                 obfuscated:abridged|intermediate|padded (obfuscated2 around that\n"
  "                 framing; plain obfuscated = obfuscated:intermediate)\n"
  "  --dc           DC id for the handshake and the obfuscation header (default 2)\n"
  "  --count        pings to send (default 10)\n"
  "  --concurrency  pings in flight at once after the first (default 1)\n"
  "  --timeout      limit for the TCP connect, the handshake and each ping (default 10)\n"
  "  --json         also print the report as one JSON object on the last line\n"
  "exit: 0 all pings answered, 2 usage, 3 connect, 4 handshake, 5 ping failures\n";

struct ping_options {
  std::string host;
  uint16_t port = 0;
  std::string rsa_key_path;             // empty: Telegram's built-in production key
  std::string transport = "intermediate";
  codec::framing framing = codec::framing::intermediate;
  codec::framing inner = codec::framing::intermediate;  // with obfuscated2
  int32_t dc = 2;
  uint32_t count = 10;
  uint32_t concurrency = 1;
  uint32_t timeout_s = 10;
  bool json = false;
  bool help = false;
};

namespace detail {

// A whole decimal number in [lo, hi]; anything else is a usage error naming the option.
inline int64_t parse_int(std::string_view opt, const std::string& text, int64_t lo, int64_t hi) {
  if (text.empty() || text.size() > 18)
    throw usage_error(std::string(opt) + " needs a number, got '" + text + "'");
  size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size())
    throw usage_error(std::string(opt) + " needs a number, got '" + text + "'");
  for (size_t j = i; j < text.size(); ++j)
    if (text[j] < '0' || text[j] > '9')
      throw usage_error(std::string(opt) + " needs a number, got '" + text + "'");
  const int64_t v = std::strtoll(text.c_str(), nullptr, 10);
  if (v < lo || v > hi)
    throw usage_error(std::string(opt) + " must be between " + std::to_string(lo) + " and "
                      + std::to_string(hi) + ", got " + text);
  return v;
}

inline void parse_target(const std::string& text, ping_options& o) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw usage_error("target '" + text + "' is not [IPv6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      throw usage_error("target '" + text + "' has no port (HOST:PORT)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      throw usage_error("target '" + text + "': write IPv6 addresses as [ADDR]:PORT");
  }
  if (host.empty())
    throw usage_error("target '" + text + "' has no host");
  o.host = host;
  o.port = static_cast<uint16_t>(parse_int("port", port, 1, 65535));
}

// "obfuscated:INNER" picks the framing inside obfuscated2; plain
// "obfuscated" keeps its old meaning, obfuscated2 over intermediate (the
// library's default inner framing). The report shows the full spelling.
inline void parse_transport(const std::string& name, ping_options& o) {
  using codec::framing;
  o.inner = framing::intermediate;
  auto plain = [](const std::string& n, framing& out) {
    if (n == "abridged")
      out = framing::abridged;
    else if (n == "intermediate")
      out = framing::intermediate;
    else if (n == "padded")
      out = framing::padded_intermediate;
    else
      return false;
    return true;
  };
  const std::string obfuscated = "obfuscated";
  if (name == obfuscated) {
    o.framing = framing::obfuscated2;
    o.transport = "obfuscated:intermediate";
  } else if (name.rfind(obfuscated + ":", 0) == 0) {
    const std::string inner = name.substr(obfuscated.size() + 1);
    if (!plain(inner, o.inner))
      throw usage_error("unknown framing '" + inner + "' inside --transport " + name
                        + " (obfuscated:abridged, obfuscated:intermediate, obfuscated:padded)");
    o.framing = framing::obfuscated2;
    o.transport = name;
  } else if (name == "full") {
    o.framing = framing::full;
    o.transport = name;
  } else if (plain(name, o.framing)) {
    o.transport = name;
  } else {
    throw usage_error("unknown --transport '" + name
                      + "' (abridged, intermediate, padded, full, obfuscated, "
                        "obfuscated:abridged|intermediate|padded)");
  }
}

} // namespace detail

inline ping_options parse_ping_options(int argc, char** argv) {
  ping_options o;
  bool have_target = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      return o;
    }
    if (arg.rfind("--", 0) != 0) {
      if (have_target)
        throw usage_error("unexpected argument '" + arg + "' (one HOST:PORT only)");
      detail::parse_target(arg, o);
      have_target = true;
      continue;
    }
    // --name=value or --name value
    std::string name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (name == "--json") {
      if (inline_value)
        throw usage_error("--json takes no value");
      o.json = true;
      continue;
    }
    const bool known = name == "--rsa-key" || name == "--transport" || name == "--dc"
                       || name == "--count" || name == "--concurrency" || name == "--timeout";
    if (!known)
      throw usage_error("unknown option '" + name + "'");
    if (!inline_value) {
      if (i + 1 >= argc)
        throw usage_error(name + " needs a value");
      value = argv[++i];
    }
    if (name == "--rsa-key") {
      if (value.empty())
        throw usage_error("--rsa-key needs a file name");
      o.rsa_key_path = value;
    } else if (name == "--transport") {
      detail::parse_transport(value, o);
    } else if (name == "--dc") {
      // The obfuscation header holds the DC id as int16; negative = media DC.
      o.dc = static_cast<int32_t>(detail::parse_int(name, value, -32767, 32767));
      if (o.dc == 0)
        throw usage_error("--dc must not be 0");
    } else if (name == "--count") {
      o.count = static_cast<uint32_t>(detail::parse_int(name, value, 1, 10'000'000));
    } else if (name == "--concurrency") {
      o.concurrency = static_cast<uint32_t>(detail::parse_int(name, value, 1, 4096));
    } else if (name == "--timeout") {
      o.timeout_s = static_cast<uint32_t>(detail::parse_int(name, value, 1, 3600));
    }
  }
  if (!have_target)
    throw usage_error("missing HOST:PORT");
  return o;
}

} // namespace mtsender::ping_tool
