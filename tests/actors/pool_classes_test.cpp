// Connection classes against the test DC over real TCP: upload and download
// requests go on connections of their own (their own sessions on the DC's
// key, their own caps), never receive updates, close when idle and reopen on
// demand, are replaced when they fail, and an API call is answered while
// file parts are in flight.
#include "mtsender/tests/actors/pool_fixture.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <set>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace pool_test;

namespace {

// What the server saw of each custom query: its session and whether it came
// inside invokeWithoutUpdates, by the tag the test gave it.
struct seen_calls {
  std::mutex mu;
  std::map<uint32_t, std::pair<int64_t, bool>> by_tag;

  void add(const test_dc::rpc_call& c) {
    std::lock_guard<std::mutex> lock{mu};
    by_tag[tag_of(c)] = {c.session_id, c.without_updates};
  }
  // Sessions of the tags in [from, to); every one must have been seen.
  std::set<int64_t> sessions(uint32_t from, uint32_t to, bool* all_without_updates = nullptr) {
    std::lock_guard<std::mutex> lock{mu};
    std::set<int64_t> out;
    bool without = true;
    for (uint32_t t = from; t < to; ++t) {
      auto i = by_tag.find(t);
      if (i == by_tag.end())
        continue;
      out.insert(i->second.first);
      without = without && i->second.second;
    }
    if (all_without_updates)
      *all_without_updates = without;
    return out;
  }
};

rpc_request class_request(uint32_t tag, conn_class c, int64_t deadline_ms = 0) {
  auto r = request_of(custom_query(tag), deadline_ms, true);
  r.options.connection_class = c;
  return r;
}

const pool_class_stats& class_stats(const pool_stats& st, conn_class c) {
  static const pool_class_stats none{};
  auto* d = st.dc(2);
  if (!d || d->classes.size() <= index_of(c))
    return none;
  return d->classes[index_of(c)];
}

// A port nothing listens on: connects are refused.
uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

using pool_config_tweak = std::function<void(pool_config&)>;

struct rig {
  node n;
  test_dc::server srv;
  seen_calls seen;
  dc_pool pool;

  explicit rig(pool_config_tweak tweak = nullptr, test_dc::server_options o = two_dcs())
    : srv{std::move(o)} {
    srv.start();
    // Slow enough that overlapping requests keep a connection busy.
    srv.on(custom_query_id, [this](const test_dc::rpc_call& c) {
      seen.add(c);
      auto delay = std::chrono::milliseconds(tag_of(c) >= 1000 ? 2000 : 30);
      return test_dc::rpc_reply::result(bool_true()).after(delay);
    });
    auto cfg = pool_config_for(srv, 1);
    cfg.max_upload_connections = 2;
    cfg.max_download_connections = 3;
    cfg.learn_dcs = false;   // exact counts: no help.getConfig of the pool's own
    if (tweak)
      tweak(cfg);
    pool = spawn_dc_pool(*n.sys, std::move(cfg));
  }
};

void all_answered(const std::vector<outcome>& out) {
  for (auto& o : out) {
    CHECK(o.answers == 1);
    CHECK(o.value);
  }
}

template <class Pred>
bool stats_until(caf::scoped_actor& self, const dc_pool& pool, Pred pred,
                 std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred(stats_of(self, pool)))
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred(stats_of(self, pool));
}

} // namespace

TEST_CASE("upload and download requests open connections of their own, within their caps",
          "[actors][pool][classes]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  // Main: one connection; overlapping calls stay on it (cap 1).
  std::vector<rpc_request> reqs;
  for (uint32_t i = 0; i < 8; ++i)
    reqs.push_back(class_request(i, conn_class::main));
  all_answered(invoke_all(self, t.pool, 2, std::move(reqs)));
  // Many overlapping rounds: the file classes open up to their caps, never more.
  for (int round = 0; round < 6; ++round) {
    reqs.clear();
    for (uint32_t i = 0; i < 12; ++i) {
      reqs.push_back(class_request(100 + round * 12 + i, conn_class::upload));
      reqs.push_back(class_request(300 + round * 12 + i, conn_class::download));
    }
    all_answered(invoke_all(self, t.pool, 2, std::move(reqs)));
  }
  auto st = stats_of(self, t.pool);
  auto& main = class_stats(st, conn_class::main);
  auto& up = class_stats(st, conn_class::upload);
  auto& down = class_stats(st, conn_class::download);
  CHECK(main.live_slots == 1);
  CHECK(main.answered == 8);
  CHECK(up.answered == 72);
  CHECK(down.answered == 72);
  CHECK(up.live_slots >= 1);
  CHECK(up.live_slots <= 2);
  CHECK(up.opened <= 2);       // nothing failed: each slot started once
  CHECK(down.live_slots >= 1);
  CHECK(down.live_slots <= 3);
  CHECK(down.opened <= 3);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->live_slots == main.live_slots + up.live_slots + down.live_slots);

  // The server tells the sessions apart: one per connection, no class
  // shares one, and file requests all came inside invokeWithoutUpdates.
  bool main_without = false, up_without = false, down_without = false;
  auto main_s = t.seen.sessions(0, 8, &main_without);
  auto up_s = t.seen.sessions(100, 172, &up_without);
  auto down_s = t.seen.sessions(300, 372, &down_without);
  CHECK(main_s.size() == 1);
  CHECK(up_s.size() == up.opened);
  CHECK(down_s.size() == down.opened);
  for (auto s : up_s) {
    CHECK(main_s.count(s) == 0);
    CHECK(down_s.count(s) == 0);
  }
  for (auto s : down_s)
    CHECK(main_s.count(s) == 0);
  CHECK_FALSE(main_without);   // the update connection subscribes
  CHECK(up_without);
  CHECK(down_without);
  // One auth key for the DC: no handshake but the first made a permanent key.
  CHECK(perm_keys_made(t.srv.counters(2)) == 1);
  CHECK(stray_messages(self) == 0);
  stop(self, t.pool);
}

TEST_CASE("an invalid connection class is refused by name", "[actors][pool][classes]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  auto r = class_request(1, static_cast<conn_class>(7));
  auto o = invoke_one(self, t.pool, 2, std::move(r));
  CHECK(o.answers == 1);
  CHECK(o.err == errc::invalid_request);
  REQUIRE(detail_of(o.err));
  CHECK(detail_of(o.err)->what.find("connection_class") != std::string::npos);
  stop(self, t.pool);
}

TEST_CASE("pushed updates reach the listener once, only through the main class",
          "[actors][pool][classes][updates]") {
  // Both ways: the server honouring invokeWithoutUpdates (file sessions never
  // subscribe), and a server pushing to every session (the pool drops what
  // file connections receive).
  const bool honour = GENERATE(true, false);
  auto opts = two_dcs();
  opts.rules.honour_without_updates = honour;
  rig t{nullptr, opts};
  caf::scoped_actor self{*t.n.sys};
  listen_here(self, t.pool);
  // File connections first: the first connection up must still not take
  // the update stream.
  std::vector<rpc_request> reqs;
  for (uint32_t i = 0; i < 12; ++i) {
    reqs.push_back(class_request(100 + i, conn_class::upload));
    reqs.push_back(class_request(300 + i, conn_class::download));
  }
  all_answered(invoke_all(self, t.pool, 2, std::move(reqs)));
  reqs.clear();
  for (uint32_t i = 0; i < 4; ++i)
    reqs.push_back(class_request(i, conn_class::main));
  all_answered(invoke_all(self, t.pool, 2, std::move(reqs)));
  auto main_s = t.seen.sessions(0, 4);
  REQUIRE(main_s.size() == 1);
  if (honour) {
    auto subscribed = t.srv.subscribed_sessions(2);
    REQUIRE(subscribed.size() == 1);
    CHECK(subscribed[0] == *main_s.begin());
  }
  const size_t file_sessions = t.seen.sessions(100, 112).size() + t.seen.sessions(300, 312).size();
  CHECK(file_sessions >= 2);
  size_t pushed = 0;
  for (uint32_t tag = 0; tag < 5; ++tag)
    pushed += t.srv.push_update(test_update(tag), 2);
  // Not honoured: every session of the DC, file sessions too.
  CHECK(pushed >= 5);
  if (!honour)
    CHECK(pushed >= 5 * (1 + file_sessions));
  std::vector<frame_event> log;
  REQUIRE(collect_until(self, log, [](auto& l) {
    return count_kind(l, frame_event_kind::update) >= 5;
  }));
  collect_until(self, log, [](auto&) { return false; }, std::chrono::milliseconds(500));
  std::map<uint32_t, int> per_tag;
  for (auto& e : log)
    if (e.kind == frame_event_kind::update)
      ++per_tag[update_tag(e.body)];
  CHECK(per_tag.size() == 5);
  for (auto& [tag, n] : per_tag)
    CHECK(n == 1);
  stop(self, t.pool);
}

TEST_CASE("idle file connections close after the idle time and reopen on demand",
          "[actors][pool][classes]") {
  rig t{[](pool_config& c) { c.file_idle_close = 300ms; }};
  caf::scoped_actor self{*t.n.sys};
  all_answered(invoke_all(self, t.pool, 2, {class_request(0, conn_class::main)}));
  // A request in flight longer than the idle time keeps its connection.
  auto long_one = invoke_one(self, t.pool, 2, class_request(1000, conn_class::download, 8000));
  CHECK(long_one.value);
  REQUIRE(stats_until(self, t.pool, [](const pool_stats& s) {
    return class_stats(s, conn_class::download).idle_closed >= 1
           && class_stats(s, conn_class::download).live_slots == 0;
  }));
  auto st = stats_of(self, t.pool);
  CHECK(class_stats(st, conn_class::main).live_slots == 1);   // the main class stays
  CHECK(class_stats(st, conn_class::main).idle_closed == 0);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects == 0);    // closing for idleness is not a reconnect
  const auto before = class_stats(st, conn_class::download);
  // The next download request opens a connection again.
  auto again = invoke_one(self, t.pool, 2, class_request(1, conn_class::download));
  CHECK(again.value);
  st = stats_of(self, t.pool);
  CHECK(class_stats(st, conn_class::download).opened == before.opened + 1);
  CHECK(class_stats(st, conn_class::download).answered == before.answered + 1);
  CHECK(stray_messages(self) == 0);
  stop(self, t.pool);
}

TEST_CASE("an API call is answered while download parts are in flight",
          "[actors][pool][classes]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  all_answered(invoke_all(self, t.pool, 2, {class_request(0, conn_class::main)}));
  // 60 "parts" the server holds for 2 s each, on the download connections.
  pending_invokes parts{self, t.pool};
  for (uint32_t i = 0; i < 60; ++i)
    parts.send(2, class_request(1000 + i, conn_class::download));
  REQUIRE(server_got(t.srv, 2, custom_query_id, 1 + 60));
  auto call = invoke_one(self, t.pool, 2, class_request(1, conn_class::main));
  CHECK(call.value);
  // The call came back while the parts were still out: not behind them.
  auto st = stats_of(self, t.pool);
  CHECK(class_stats(st, conn_class::download).answered == 0);
  CHECK(class_stats(st, conn_class::download).in_flight == 60);
  CHECK(class_stats(st, conn_class::main).answered == 2);
  all_answered(parts.collect());
  CHECK(class_stats(stats_of(self, t.pool), conn_class::download).answered == 60);
  CHECK(stray_messages(self) == 0);
  stop(self, t.pool);
}

TEST_CASE("a failed file connection is replaced and every request answered once",
          "[actors][pool][classes]") {
  rig t;
  caf::scoped_actor self{*t.n.sys};
  all_answered(invoke_all(self, t.pool, 2, {class_request(0, conn_class::main)}));
  pending_invokes parts{self, t.pool};
  for (uint32_t i = 0; i < 20; ++i)
    parts.send(2, class_request(1000 + i, conn_class::upload));
  REQUIRE(server_got(t.srv, 2, custom_query_id, 1 + 20));
  // The server drops the upload connections under their requests.
  auto up_sessions = t.seen.sessions(1000, 1020);
  REQUIRE_FALSE(up_sessions.empty());
  for (auto s : up_sessions)
    t.srv.close_connection_of(2, s);
  all_answered(parts.collect());   // safe_to_repeat: sent again on the new connections
  auto st = stats_of(self, t.pool);
  auto& up = class_stats(st, conn_class::upload);
  CHECK(up.opened > up_sessions.size() - 1);   // replaced
  CHECK(up.opened >= 2);
  CHECK(up.live_slots <= 2);
  CHECK(up.answered == 20);
  REQUIRE(st.dc(2));
  CHECK(st.dc(2)->reconnects >= up_sessions.size());
  // The main connection was not touched.
  CHECK(class_stats(st, conn_class::main).opened == 1);
  CHECK(class_stats(st, conn_class::main).live_slots == 1);
  CHECK(stray_messages(self) == 0);
  stop(self, t.pool);
}

TEST_CASE("every class shares the DC's reachability: an unreachable DC fails them all promptly",
          "[actors][pool][classes][unreachable]") {
  node n;
  pool_config cfg;
  cfg.dcs = {{2, "127.0.0.1", closed_port()}};
  cfg.rsa_keys = {test_dc::shared_test_key()->public_key()};
  cfg.restart_base = 50ms;
  cfg.restart_cap = 500ms;
  auto pool = spawn_dc_pool(*n.sys, cfg);
  caf::scoped_actor self{*n.sys};
  pending_invokes calls{self, pool};
  for (uint32_t i = 0; i < 6; ++i)
    calls.send(2, class_request(i, static_cast<conn_class>(i % 3), 20'000));
  for (auto& o : calls.collect()) {
    CHECK(o.answers == 1);
    CHECK(is(o.err, errc::connection_failed));
    if (auto* d = detail_of(o.err))
      CHECK_FALSE(d->may_have_executed);
    CHECK(o.took < 10s);   // the deadline was 20 s
  }
  // Once unreachable, a request of any class is refused at once, without
  // waiting for a connection attempt of its own class.
  for (auto c : {conn_class::main, conn_class::upload, conn_class::download}) {
    auto t0 = std::chrono::steady_clock::now();
    auto late = invoke_one(self, pool, 2, class_request(9, c, 20'000));
    CHECK((is(late.err, errc::circuit_open) || is(late.err, errc::connection_failed)));
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  }
  CHECK(stray_messages(self) == 0);
  stop(self, pool);
}

TEST_CASE("requests racing a very short idle close are each answered once",
          "[actors][pool][classes]") {
  rig t{[](pool_config& c) { c.file_idle_close = 5ms; }};
  caf::scoped_actor self{*t.n.sys};
  uint32_t tag = 0;
  for (int round = 0; round < 25; ++round) {
    std::vector<rpc_request> reqs;
    for (int i = 0; i < 3; ++i)
      reqs.push_back(class_request(tag++, i % 2 ? conn_class::upload : conn_class::download));
    all_answered(invoke_all(self, t.pool, 2, std::move(reqs)));
    // Gaps around the idle time: some land on a closing connection.
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 4 * 5));
  }
  auto st = stats_of(self, t.pool);
  const auto closed = class_stats(st, conn_class::upload).idle_closed
                      + class_stats(st, conn_class::download).idle_closed;
  CHECK(closed >= 1);
  CHECK(class_stats(st, conn_class::upload).answered + class_stats(st, conn_class::download).answered
        == 75);
  CHECK(class_stats(st, conn_class::upload).live_slots <= 2);
  CHECK(class_stats(st, conn_class::download).live_slots <= 3);
  CHECK(stray_messages(self) == 0);
  stop(self, t.pool);
}
