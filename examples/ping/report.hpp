// What one mtproto-ping run found, and how it is printed: a few human lines,
// and with --json the same facts as one JSON object (always the last line).
//
//   ping_report r; ... fill while running ...
//   print_text(std::cout, r);
//   if (json) std::cout << to_json(r) << '\n';
//
// Durations are kept in nanoseconds; -1 means "not measured" and prints as
// n/a (text) or null (JSON).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace mtsender::ping_tool {

struct rtt_summary {
  int64_t min_ns = -1, p50_ns = -1, p90_ns = -1, p99_ns = -1, max_ns = -1;
};

// Nearest-rank percentiles (the smallest sample with at least p% of the
// samples at or below it), so every value printed is a measured round trip.
inline rtt_summary summarize(std::vector<int64_t> samples) {
  rtt_summary s;
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  auto rank = [&](double p) {
    auto k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
    return samples[std::min(n, std::max<size_t>(k, 1)) - 1];
  };
  s.min_ns = samples.front();
  s.p50_ns = rank(50);
  s.p90_ns = rank(90);
  s.p99_ns = rank(99);
  s.max_ns = samples.back();
  return s;
}

struct ping_report {
  // What was asked.
  std::string target;          // HOST:PORT as given
  std::string transport;
  int32_t dc = 0;
  uint64_t key_fingerprint = 0;
  uint32_t count = 0;
  uint32_t concurrency = 0;

  // Phases. connect and handshake come from the connection's stats when it
  // reports them; `ready` (start to session usable) is measured from outside.
  int64_t connect_ns = -1;
  int64_t handshake_ns = -1;
  int64_t ready_ns = -1;
  int64_t first_ping_ns = -1;

  // Pings.
  uint32_t sent = 0;
  uint32_t answered = 0;         // pong with the right ping_id
  uint32_t wrong_ping_id = 0;
  uint32_t failed = 0;           // errors, malformed answers, never sent
  std::vector<std::string> failures;   // the first few, for the message
  std::vector<int64_t> rtts_ns;  // one per answered ping
  int64_t pinging_ns = -1;       // first ping sent to last answer
  double pings_per_second = 0;

  // Service events seen; -1 = the connection does not report it.
  int64_t new_sessions = 0;
  int64_t salt_changes = -1;
  int64_t time_corrections = -1;
  int64_t seqno_corrections = -1;
  int64_t messages_ignored = -1;   // duplicates, out of the time window, unreadable

  // The connection's own counters (whole run, handshake included); -1 = not read.
  int64_t frames_sent = -1;
  int64_t frames_received = -1;
  int64_t containers_sent = -1;

  int exit_code = 0;
  std::string error;             // the one-line cause when exit_code != 0

  static constexpr size_t max_failures_kept = 10;
  void add_failure(std::string what) {
    if (failures.size() < max_failures_kept)
      failures.push_back(std::move(what));
  }
};

namespace detail {

inline std::string ms(int64_t ns) {
  if (ns < 0)
    return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

inline std::string json_ms(int64_t ns) {
  if (ns < 0)
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

inline std::string json_count(int64_t v) { return v < 0 ? "null" : std::to_string(v); }

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through
        }
    }
  }
  return out + "\"";
}

inline std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string count_text(int64_t v) { return v < 0 ? "n/a" : std::to_string(v); }

} // namespace detail

inline void print_text(std::ostream& os, const ping_report& r) {
  using detail::ms;
  os << "PING " << r.target << " dc " << r.dc << ", transport " << r.transport
     << ", key fingerprint " << detail::hex64(r.key_fingerprint) << "\n";
  if (r.ready_ns < 0) {
    // Never got a session: the pings would all read n/a, but a TCP connect
    // that worked (before a failed handshake) is worth showing.
    if (r.connect_ns >= 0)
      os << "  tcp connect   " << ms(r.connect_ns) << "\n";
    if (!r.error.empty())
      os << "error: " << r.error << "\n";
    return;
  }
  if (r.connect_ns >= 0) {
    os << "  tcp connect   " << ms(r.connect_ns) << "\n";
    os << "  handshake     " << ms(r.handshake_ns) << "\n";
  } else {
    os << "  connect+handshake " << ms(r.ready_ns) << " (tcp connect alone: n/a)\n";
  }
  os << "  first ping    " << ms(r.first_ping_ns) << "\n";
  os << r.answered << "/" << r.count << " pings answered (concurrency " << r.concurrency
     << ")";
  if (r.failed + r.wrong_ping_id > 0)
    os << ", " << r.failed << " failed, " << r.wrong_ping_id << " wrong ping_id";
  os << "\n";
  auto s = summarize(r.rtts_ns);
  os << "  rtt min " << ms(s.min_ns) << ", p50 " << ms(s.p50_ns) << ", p90 " << ms(s.p90_ns)
     << ", p99 " << ms(s.p99_ns) << ", max " << ms(s.max_ns) << "\n";
  char rate[48];
  std::snprintf(rate, sizeof rate, "%.1f", r.pings_per_second);
  os << "  " << rate << " pings/s\n";
  os << "service events: new_session_created " << r.new_sessions << ", bad_server_salt "
     << detail::count_text(r.salt_changes) << ", time corrections "
     << detail::count_text(r.time_corrections) << ", seqno corrections "
     << detail::count_text(r.seqno_corrections) << ", messages ignored "
     << detail::count_text(r.messages_ignored) << "\n";
  os << "frames: " << detail::count_text(r.frames_sent) << " sent ("
     << detail::count_text(r.containers_sent) << " containers), "
     << detail::count_text(r.frames_received) << " received\n";
  for (auto& f : r.failures)
    os << "  failure: " << f << "\n";
  if (!r.error.empty())
    os << "error: " << r.error << "\n";
}

// One line, no newline.
inline std::string to_json(const ping_report& r) {
  using detail::json_count;
  using detail::json_ms;
  using detail::json_string;
  auto s = summarize(r.rtts_ns);
  std::string j = "{";
  j += "\"target\":" + json_string(r.target);
  j += ",\"dc\":" + std::to_string(r.dc);
  j += ",\"transport\":" + json_string(r.transport);
  j += ",\"key_fingerprint\":" + json_string(detail::hex64(r.key_fingerprint));
  j += ",\"ok\":" + std::string(r.exit_code == 0 ? "true" : "false");
  j += ",\"exit_code\":" + std::to_string(r.exit_code);
  j += ",\"error\":" + (r.error.empty() ? std::string("null") : json_string(r.error));
  j += ",\"phases_ms\":{\"tcp_connect\":" + json_ms(r.connect_ns)
       + ",\"handshake\":" + json_ms(r.handshake_ns) + ",\"ready\":" + json_ms(r.ready_ns)
       + ",\"first_ping\":" + json_ms(r.first_ping_ns) + "}";
  j += ",\"pings\":{\"count\":" + std::to_string(r.count)
       + ",\"concurrency\":" + std::to_string(r.concurrency)
       + ",\"sent\":" + std::to_string(r.sent) + ",\"answered\":" + std::to_string(r.answered)
       + ",\"wrong_ping_id\":" + std::to_string(r.wrong_ping_id)
       + ",\"failed\":" + std::to_string(r.failed) + "}";
  j += ",\"rtt_ms\":{\"min\":" + json_ms(s.min_ns) + ",\"p50\":" + json_ms(s.p50_ns)
       + ",\"p90\":" + json_ms(s.p90_ns) + ",\"p99\":" + json_ms(s.p99_ns)
       + ",\"max\":" + json_ms(s.max_ns) + "}";
  char rate[48];
  std::snprintf(rate, sizeof rate, "%.1f", r.pings_per_second);
  j += ",\"pings_per_second\":" + std::string(rate);
  j += ",\"events\":{\"new_session_created\":" + json_count(r.new_sessions)
       + ",\"bad_server_salt\":" + json_count(r.salt_changes)
       + ",\"time_corrections\":" + json_count(r.time_corrections)
       + ",\"seqno_corrections\":" + json_count(r.seqno_corrections)
       + ",\"messages_ignored\":" + json_count(r.messages_ignored) + "}";
  j += ",\"frames\":{\"sent\":" + json_count(r.frames_sent)
       + ",\"received\":" + json_count(r.frames_received)
       + ",\"containers_sent\":" + json_count(r.containers_sent) + "}";
  j += ",\"failures\":[";
  for (size_t i = 0; i < r.failures.size(); ++i)
    j += (i ? "," : "") + json_string(r.failures[i]);
  j += "]}";
  return j;
}

} // namespace mtsender::ping_tool
