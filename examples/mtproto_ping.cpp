// mtproto-ping: point it at an MTProto server to see whether (and how fast)
// it works: TCP connect, auth-key handshake, then ping RPCs.
//
//   mtproto-ping 149.154.167.51:443
//   mtproto-ping 127.0.0.1:4430 --rsa-key dc.pub.pem --transport obfuscated
//                --count 1000 --concurrency 16 --json
//
// It uses the library's real stack (the connection actor, its session and
// framing), not a side path: each ping is ping#7abe77ec sent with invoke, and
// each answer must be a pong carrying the same ping_id. The first ping goes
// alone (its time is the "first ping" phase); the rest keep --concurrency
// pings in flight. Exit codes: see examples/ping/options.hpp.
#include "mtsender/actors/connection.hpp"
#include "mtsender/actors/telegram_defaults.hpp"
#include "mtsender/examples/ping/options.hpp"
#include "mtsender/examples/ping/report.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/session_state.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/service_types.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace mtsender;
using namespace mtsender::ping_tool;
using sclock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using start_atom = caf::atom_constant<caf::atom("pstart")>;
using backstop_atom = caf::atom_constant<caf::atom("pbackstop")>;
using give_up_atom = caf::atom_constant<caf::atom("pgiveup")>;
using stop_atom = caf::atom_constant<caf::atom("pstop")>;

int64_t ns_between(sclock::time_point a, sclock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// The cause of an error, as one line: our detail text when there is one.
std::string cause_of(caf::actor_system& sys, const caf::error& err) {
  if (auto* d = detail_of(err); d && !d->what.empty())
    return std::string(to_string(static_cast<errc>(err.code()))) + ": " + d->what;
  return sys.render(err);
}

struct pinger_state {
  ping_options opts;
  connection_config conn_cfg;
  std::shared_ptr<ping_report> out;
  connection_actor conn;
  bool conn_alive = false;
  crypto::secure_random rng;

  sclock::time_point t_start;     // the connection was spawned
  sclock::time_point t_first;     // the first ping was sent
  sclock::time_point t_last;      // the last answer came
  bool up = false;
  bool finishing = false;
  std::string down_what;          // connection_down's text
  // Before the session was up, the connection's stats are asked for when it
  // reports connection_down (it lingers and still answers), so a failed
  // handshake still reports how long the TCP connect took; the verdict waits
  // for that answer.
  bool down_stats_asked = false;
  bool down_stats_pending = false;
  std::optional<caf::error> down_reason;  // the down_msg that came meanwhile
  uint32_t next = 0;              // pings sent
  uint32_t done = 0;              // pings finished, either way
  uint32_t in_flight = 0;
};

using pinger_ptr = caf::stateful_actor<pinger_state>*;

void send_ping(pinger_ptr self);

// The connection's own phase timings: TCP connect (spawn -> connected) and
// handshake (connected -> key), each only when that phase completed.
void record_phases(ping_report& r, const connection_stats& s) {
  if (s.connect_us >= 0)
    r.connect_ns = s.connect_us * 1000;
  if (s.handshake_us >= 0)
    r.handshake_ns = s.handshake_us * 1000;
}

// Ends the run: asks the connection for its stats, stops it, quits.
void finish(pinger_ptr self, int code, std::string error) {
  auto& st = self->state;
  if (st.finishing)
    return;
  st.finishing = true;
  auto& r = *st.out;
  if (r.exit_code == 0) {
    r.exit_code = code;
    r.error = std::move(error);
  }
  if (!st.conn_alive) {
    self->quit();
    return;
  }
  // Stop the connection and quit only once it is gone. It is stopped only
  // after its short timers (the 50 ms ack delay) have fired: in CAF 0.17 a
  // timer message the broker sent itself that lands after it quit is never
  // freed and keeps the whole broker alive (LeakSanitizer shows it).
  auto stop_connection = [=] {
    self->delayed_send(self, self->state.conn_cfg.timeouts.ack_delay * 3, stop_atom::value);
  };
  self->request(st.conn, std::chrono::seconds(2), caf::get_atom::value, stats_atom::value)
    .then(
      [=](const connection_stats& s) {
        // What the connection itself counted, read after the last ping.
        auto& r = *self->state.out;
        r.frames_sent = static_cast<int64_t>(s.frames_sent);
        r.frames_received = static_cast<int64_t>(s.frames_received);
        r.containers_sent = static_cast<int64_t>(s.containers_sent);
        record_phases(r, s);
        // Counted twice (its counter, our new_session frame_events); they
        // should agree, and the larger one hides nothing.
        r.new_sessions = std::max<int64_t>(r.new_sessions, static_cast<int64_t>(s.new_sessions));
        r.salt_changes = static_cast<int64_t>(s.salt_changes);
        r.time_corrections = static_cast<int64_t>(s.time_corrections);
        r.seqno_corrections = static_cast<int64_t>(s.seqno_corrections);
        r.messages_ignored = static_cast<int64_t>(s.messages_ignored);
        stop_connection();
      },
      [=](caf::error&) { stop_connection(); });
}

void maybe_finish(pinger_ptr self) {
  auto& st = self->state;
  auto& r = *st.out;
  if (st.done < st.opts.count || st.in_flight > 0)
    return;
  if (r.answered > 0)
    r.pinging_ns = ns_between(st.t_first, st.t_last);
  if (r.pinging_ns > 0)
    r.pings_per_second = static_cast<double>(r.answered) * 1e9 / static_cast<double>(r.pinging_ns);
  if (r.answered == r.count) {
    finish(self, exit_ok, {});
    return;
  }
  std::string what = std::to_string(r.count - r.answered) + " of " + std::to_string(r.count)
                     + " pings failed";
  if (!r.failures.empty())
    what += " (first: " + r.failures.front() + ")";
  finish(self, exit_pings, what);
}

// Keeps the window full: one ping alone first, then up to --concurrency.
void fill_window(pinger_ptr self) {
  auto& st = self->state;
  const uint32_t window = st.done == 0 ? 1 : st.opts.concurrency;
  while (st.conn_alive && !st.finishing && st.in_flight < window && st.next < st.opts.count)
    send_ping(self);
}

void ping_finished(pinger_ptr self) {
  auto& st = self->state;
  --st.in_flight;
  ++st.done;
  st.t_last = sclock::now();
  fill_window(self);
  maybe_finish(self);
}

void on_pong(pinger_ptr self, uint32_t index, int64_t ping_id, sclock::time_point sent,
             const rpc_response& res) {
  auto& st = self->state;
  auto& r = *st.out;
  const int64_t rtt = ns_between(sent, sclock::now());
  try {
    tl::reader rd{byte_view{res.bytes}};
    auto pong = tl::pong::read(rd);
    rd.expect_end("pong");
    if (pong.ping_id != ping_id) {
      ++r.wrong_ping_id;
      r.add_failure("ping " + std::to_string(index) + ": pong carries ping_id "
                    + std::to_string(pong.ping_id) + ", sent "
                    + std::to_string(ping_id));
    } else {
      ++r.answered;
      r.rtts_ns.push_back(rtt);
      if (index == 0)
        r.first_ping_ns = rtt;
    }
  } catch (const tl::decode_error& e) {
    ++r.failed;
    r.add_failure("ping " + std::to_string(index) + ": answer is not a pong: " + e.what());
  }
  ping_finished(self);
}

void on_ping_error(pinger_ptr self, uint32_t index, const caf::error& err) {
  auto& r = *self->state.out;
  ++r.failed;
  r.add_failure("ping " + std::to_string(index) + ": " + cause_of(self->system(), err));
  ping_finished(self);
}

void send_ping(pinger_ptr self) {
  auto& st = self->state;
  const uint32_t index = st.next++;
  // Positive ids, like the connection's own keepalive pings.
  const int64_t ping_id = static_cast<int64_t>(st.rng.next<uint64_t>() >> 1);
  tl::ping p;
  p.ping_id = ping_id;
  rpc_request req;
  tl::writer w{req.body};
  p.write(w);
  const auto limit = std::chrono::seconds(st.opts.timeout_s);
  req.options.deadline_ms = std::chrono::duration_cast<milliseconds>(limit).count();
  req.options.safe_to_repeat = true;
  ++st.in_flight;
  ++st.out->sent;
  const auto sent = sclock::now();
  if (index == 0)
    st.t_first = sent;
  // The connection enforces the deadline; the extra second only catches a
  // connection that never answers at all.
  self->request(st.conn, limit + std::chrono::seconds(1), invoke_atom::value, std::move(req))
    .then([=](const rpc_response& res) { on_pong(self, index, ping_id, sent, res); },
          [=](caf::error& err) { on_ping_error(self, index, err); });
}

// The run's verdict when the connection failed before its session was up:
// the connect phase failed, or TCP connected and the handshake did not.
void fail_before_up(pinger_ptr self, bool connect_failed, std::string what) {
  auto& r = *self->state.out;
  // The connection's text often starts with the phase already.
  for (const char* prefix : {"handshake failed: ", "handshake: "})
    if (what.rfind(prefix, 0) == 0)
      what.erase(0, std::char_traits<char>::length(prefix));
  if (connect_failed)
    finish(self, exit_connect, "connect to " + r.target + " failed: " + what);
  else
    finish(self, exit_handshake, "handshake with " + r.target + " failed: " + what);
}

// The connection ended. Before the session was up this is the run's verdict
// (unless its stats are on their way: then they decide); afterwards the open
// pings get their own errors and the rest count as failed.
void on_connection_down(pinger_ptr self, const caf::error& reason) {
  auto& st = self->state;
  auto& r = *st.out;
  st.conn_alive = false;
  if (st.finishing) {
    self->quit();  // finish() is waiting for this
    return;
  }
  if (st.down_stats_pending) {
    st.down_reason = reason;  // decided when the stats request ends
    return;
  }
  std::string what = !st.down_what.empty() ? st.down_what : cause_of(self->system(), reason);
  if (!st.up) {
    fail_before_up(self,
                   reason.category() == error_category
                     && static_cast<errc>(reason.code()) == errc::connection_failed,
                   what);
    return;
  }
  const uint32_t never_sent = st.opts.count - st.next;
  if (never_sent > 0) {
    r.failed += never_sent;
    r.add_failure(std::to_string(never_sent) + " pings never sent: connection ended: " + what);
    st.done += never_sent;
    st.next = st.opts.count;
  }
  maybe_finish(self);
}

// The connection failed before its session was up (it said so with
// connection_down) and lingers, refusing requests but answering stats, until
// its down_msg. Its stats tell whether TCP connected and how long that took,
// so a failed handshake still reports the TCP connect time; they also decide
// the verdict (connect or handshake phase). If they cannot be had, the
// down_msg decides as before.
void ask_phases_of_failed_connection(pinger_ptr self) {
  auto& st = self->state;
  st.down_stats_asked = true;
  st.down_stats_pending = true;
  auto after_error = [=] {
    auto& st = self->state;
    st.down_stats_pending = false;
    if (st.down_reason) {
      auto reason = std::move(*st.down_reason);
      st.down_reason.reset();
      on_connection_down(self, reason);
    }
  };
  self->request(st.conn, std::chrono::seconds(2), caf::get_atom::value, stats_atom::value)
    .then(
      [=](const connection_stats& s) {
        auto& st = self->state;
        st.down_stats_pending = false;
        record_phases(*st.out, s);
        if (st.finishing)
          return;
        st.down_reason.reset();  // if the down_msg came first: conn_alive is false
        fail_before_up(self, s.connect_us < 0, st.down_what);
      },
      [=](caf::error&) { after_error(); });
}

caf::behavior pinger(pinger_ptr self, ping_options opts, connection_config cfg,
                     std::shared_ptr<ping_report> out) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.conn_cfg = std::move(cfg);
  st.out = std::move(out);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.conn.address())
      on_connection_down(self, dm.reason);
  });
  return {
    [=](start_atom) {
      auto& st = self->state;
      st.conn_cfg.parent = caf::actor_cast<caf::actor>(self);
      st.t_start = sclock::now();
      st.conn = spawn_connection(self->system(), st.conn_cfg);
      st.conn_alive = true;
      self->monitor(st.conn);
      // The connection has its own connect and handshake timers; this only
      // guards against one that neither comes up nor goes down.
      self->delayed_send(self, st.conn_cfg.timeouts.connect + st.conn_cfg.timeouts.handshake
                                 + std::chrono::seconds(2),
                         backstop_atom::value);
    },
    [=](const frame_event& ev) {
      auto& st = self->state;
      switch (ev.kind) {
        case frame_event_kind::connection_up:
          if (!st.up) {
            st.up = true;
            st.out->ready_ns = ns_between(st.t_start, sclock::now());
            fill_window(self);
          }
          break;
        case frame_event_kind::new_session:
          ++st.out->new_sessions;
          break;
        case frame_event_kind::connection_down:
          st.down_what = ev.what;
          if (!st.up && !st.finishing && !st.down_stats_asked)
            ask_phases_of_failed_connection(self);
          break;
        default:
          break;
      }
    },
    [=](handoff_atom, const session_state&) {
      // The session of a dying connection: nothing to continue here.
    },
    [=](stop_atom) {
      self->send_exit(self->state.conn, caf::exit_reason::user_shutdown);
      self->delayed_send(self, std::chrono::seconds(3), give_up_atom::value);
    },
    [=](give_up_atom) {
      // The connection did not stop within 3 s of being told to.
      self->quit();
    },
    [=](backstop_atom) {
      auto& st = self->state;
      if (!st.up && !st.finishing)
        finish(self, exit_handshake,
               "no session with " + st.out->target + " after "
                 + std::to_string(std::chrono::duration_cast<milliseconds>(
                                    st.conn_cfg.timeouts.connect + st.conn_cfg.timeouts.handshake)
                                    .count())
                 + " ms");
    },
  };
}

std::string target_text(const ping_options& o) {
  if (o.host.find(':') != std::string::npos)
    return "[" + o.host + "]:" + std::to_string(o.port);
  return o.host + ":" + std::to_string(o.port);
}

int run(const ping_options& opts) {
  auto report = std::make_shared<ping_report>();
  report->target = target_text(opts);
  report->transport = opts.transport;
  report->dc = opts.dc;
  report->count = opts.count;
  report->concurrency = opts.concurrency;

  connection_config cfg;
  try {
    if (opts.rsa_key_path.empty())
      cfg.rsa_keys = telegram_production_keys();
    else
      cfg.rsa_keys.push_back(crypto::rsa_public_key::from_pem_file(opts.rsa_key_path));
  } catch (const crypto::rsa_error& e) {
    std::cerr << "mtproto-ping: --rsa-key " << opts.rsa_key_path << ": " << e.what() << "\n";
    return exit_usage;
  }
  report->key_fingerprint = static_cast<uint64_t>(cfg.rsa_keys.front().fingerprint());
  cfg.dc_id = opts.dc;
  cfg.host = opts.host;
  cfg.port = opts.port;
  cfg.framing.kind = opts.framing;
  cfg.framing.inner = opts.inner;
  cfg.framing.dc_id = static_cast<int16_t>(opts.dc);
  const auto limit = std::chrono::seconds(opts.timeout_s);
  cfg.timeouts.connect = limit;
  cfg.timeouts.handshake = limit;
  cfg.timeouts.default_deadline = limit;
  // A connection that failed lingers this long answering stats: long enough
  // for ask_phases_of_failed_connection on a loaded machine. It costs no
  // time: the run ends as soon as the stats arrive.
  cfg.timeouts.linger = std::max<milliseconds>(cfg.timeouts.linger, std::chrono::seconds(2));

  {
    caf::actor_system_config sys_cfg;
    sys_cfg.load<caf::io::middleman>();
    add_message_types(sys_cfg);
    sys_cfg.set("scheduler.max-threads", 2);
    // An idle worker waits on its condition variable at once instead of
    // napping 50 us at a time for ~25 ms: an answer no longer waits for the
    // end of a nap (README, "Speed: what the caller's CAF settings cost").
    sys_cfg.set("work-stealing.moderate-poll-attempts", 0);
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor self{sys};
    auto p = sys.spawn(pinger, opts, cfg, report);
    self->monitor(p);
    self->send(p, start_atom::value);
    // Every phase has its own limit; this bound is only a last resort.
    const auto per_round = limit + std::chrono::seconds(1);
    const uint64_t rounds = (opts.count + opts.concurrency - 1) / opts.concurrency + 1;
    const auto bound = 2 * limit + per_round * rounds + std::chrono::seconds(10);
    bool ended = false;
    while (!ended) {
      self->receive([&](caf::down_msg& dm) { ended = dm.source == p.address(); },
                    caf::after(bound) >> [&] {
                      ended = true;
                      report->exit_code = exit_pings;
                      report->error = "gave up waiting after "
                                      + std::to_string(bound.count()) + " s";
                      self->send_exit(p, caf::exit_reason::kill);
                      // A stuck connection must not hold the exit hostage.
                      sys.await_actors_before_shutdown(false);
                    });
    }
  }

  print_text(std::cout, *report);
  if (opts.json)
    std::cout << to_json(*report) << "\n";
  std::cout.flush();
  if (report->exit_code != 0)
    std::cerr << "mtproto-ping: " << report->error << "\n";
  return report->exit_code;
}

} // namespace

int main(int argc, char** argv) {
  ping_options opts;
  try {
    opts = parse_ping_options(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "mtproto-ping: " << e.what() << " (see --help)\n";
    return exit_usage;
  }
  if (opts.help) {
    std::cout << usage_text;
    return exit_ok;
  }
  return run(opts);
}
