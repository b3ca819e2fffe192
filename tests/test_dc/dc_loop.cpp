// The DC's event loop: accepting, reading, writing, closing, timers, and the
// thread-safe API that feeds it.
#include "mtsender/tests/test_dc/dc_server.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace mtsender::test_dc {

namespace {
constexpr uint64_t listener_tag = 1;
constexpr uint64_t wake_tag = 2;
constexpr size_t read_chunk = 256 * 1024;
constexpr size_t max_queued_per_session = 4096;

std::string peer_name(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    return format_endpoint(buf, ntohs(v4->sin_port));
  }
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
  ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
  return format_endpoint(buf, ntohs(v6->sin6_port));
}
} // namespace

dc_server::dc_server(int32_t dc_id, listener l, shared_context& shared)
  : id_(dc_id), listener_(std::move(l)), shared_(shared) {
  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_)
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_)
    throw std::system_error(errno, std::generic_category(), "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = listener_tag;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.fd.get(), &ev);
  ev.data.u64 = wake_tag;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev);
  faults_ = shared_.opts.faults;
}

dc_server::~dc_server() { stop(); }

void dc_server::start() {
  thread_ = std::thread([this] { run(); });
}

void dc_server::stop() {
  if (!thread_.joinable())
    return;
  stop_ = true;
  wake();
  thread_.join();
  std::lock_guard<std::recursive_mutex> lock{mu_};
  conns_.clear();
  listener_.fd.reset();
}

void dc_server::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

int64_t dc_server::unix_now_ns() const {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count()
         + int64_t(shared_.opts.clock_offset) * 1'000'000'000;
}

int64_t dc_server::unix_now_s() const { return unix_now_ns() / 1'000'000'000; }

void dc_server::log(connection& c, const std::string& what) {
  if (shared_.opts.log)
    shared_.log("dc=" + std::to_string(id_) + " conn=" + std::to_string(c.id) + " "
                + c.peer + ": " + what);
}

void dc_server::run() {
  std::vector<epoll_event> events(64);
  while (!stop_) {
    int timeout;
    {
      std::lock_guard<std::recursive_mutex> lock{mu_};
      timeout = next_timeout_ms();
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), int(events.size()), timeout);
    if (n < 0 && errno != EINTR)
      break;
    std::lock_guard<std::recursive_mutex> lock{mu_};
    for (int i = 0; i < n; ++i) {
      const auto tag = events[i].data.u64;
      const auto what = events[i].events;
      if (tag == listener_tag) {
        on_accept();
      } else if (tag == wake_tag) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd_.get(), &v, sizeof v);
      } else if (auto* c = find(tag)) {
        if (what & (EPOLLIN | EPOLLHUP | EPOLLERR))
          on_readable(*c);
        if ((c = find(tag)) && (what & EPOLLOUT))
          on_writable(*c);
      }
    }
    run_timers();
    // Output queued by API calls (push_update, delayed answers) or by
    // handlers of another connection's traffic.
    for (auto& [id, s] : sessions_)
      if (!s->queue.empty() || !s->pending_acks.empty())
        flush_session(*s);
    for (auto& [id, c] : conns_)
      if (c->out.size() > c->out_pos && !c->epollout)
        flush(*c);
    reap();
  }
}

connection* dc_server::find(uint64_t conn_id) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end() || !it->second->fd)
    return nullptr;
  return it->second.get();
}

void dc_server::on_accept() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listener_.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;   // EAGAIN, or an error of that one connection attempt
    set_nodelay(fd);
    auto c = std::make_unique<connection>();
    c->id = next_conn_id_++;
    c->fd.reset(fd);
    c->peer = peer_name(addr);
    c->detector = std::make_unique<codec::framing_detector>(rng_, shared_.opts.max_frame_size,
                                                           shared_.opts.proxy_secret);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
    ++counters_.connections_accepted;
    ++counters_.connections_open;
    log(*c, "connected");
    if (faults_.stall && faults_.stall_after_frames == 0) {
      c->stalled = true;
      update_epoll(*c);
      log(*c, "stalled (fault)");
    }
    conns_.emplace(c->id, std::move(c));
  }
}

void dc_server::on_readable(connection& c) {
  if (c.stalled)
    return;
  scratch_.resize(read_chunk);
  int chunks = 0;
  for (;;) {
    ssize_t n = ::recv(c.fd.get(), scratch_.data(), scratch_.size(), 0);
    if (n == 0) {
      close(c, "closed by peer");
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      if (errno == EINTR)
        continue;
      close(c, std::string("read error: ") + std::strerror(errno));
      return;
    }
    byte_view bytes{scratch_.data(), size_t(n)};
    try {
      if (!c.codec) {
        c.codec = c.detector->feed(bytes);
        if (!c.codec)
          continue;
        log(c, std::string("framing ") + codec::to_string(c.codec->kind()));
        c.detector.reset();
      } else {
        c.codec->feed(bytes);
      }
    } catch (const transport_error& e) {
      close(c, std::string("bad framing: ") + e.what());
      return;
    }
    process_frames(c);
    if (!c.fd || c.stalled || c.close_after_flush)
      break;
    // Short read: drained. Otherwise give other connections a turn after a
    // few chunks; level-triggered epoll brings us back.
    if (size_t(n) < scratch_.size() || ++chunks == 8)
      break;
  }
  // One write for every answer this read produced.
  if (c.fd)
    flush(c);
}

void dc_server::process_frames(connection& c) {
  codec::frame f;
  for (;;) {
    if (!c.fd || c.stalled || c.close_after_flush)
      return;
    try {
      if (!c.codec->next(f))
        return;
    } catch (const transport_error& e) {
      close(c, std::string("bad frame: ") + e.what());
      return;
    }
    ++c.frames_in;
    ++counters_.frames_received;
    if (f.type != codec::frame::kind::packet) {
      close(c, "client sent a transport error / quick ack frame");
      return;
    }
    byte_view packet = f.payload;
    if (packet.size() < 8) {
      close(c, "packet shorter than an auth_key_id");
      return;
    }
    try {
      if (load_le64(packet.data()) == 0)
        on_plain_packet(c, packet);
      else
        on_encrypted_packet(c, packet, f.quick_ack_requested);
    } catch (const std::exception& e) {
      // Anything unexpected from a hostile packet ends this connection only.
      close(c, std::string("error: ") + e.what());
      return;
    }
    if (!c.fd)
      return;
    if (faults_.close_after_frames && c.frames_in >= faults_.close_after_frames) {
      ++counters_.faults_injected;
      c.close_after_flush = true;
      log(c, "closing after " + std::to_string(c.frames_in) + " frames (fault)");
    }
    if (faults_.stall && faults_.stall_after_frames && c.frames_in >= faults_.stall_after_frames
        && !c.stalled) {
      ++counters_.faults_injected;
      c.stalled = true;
      update_epoll(c);
      log(c, "stalled (fault)");
    }
  }
}

void dc_server::flush(connection& c) {
  if (!c.fd)
    return;
  while (c.out_pos < c.out.size()) {
    ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_pos, c.out.size() - c.out_pos,
                       MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      close(c, std::string("write error: ") + std::strerror(errno));
      return;
    }
    c.out_pos += size_t(n);
  }
  if (c.out_pos == c.out.size()) {
    c.out.clear();
    c.out_pos = 0;
    if (c.close_after_flush) {
      close(c, "closed by server");
      return;
    }
  } else if (c.out_pos > (1u << 20)) {
    c.out.erase(c.out.begin(), c.out.begin() + std::ptrdiff_t(c.out_pos));
    c.out_pos = 0;
  }
  update_epoll(c);
}

void dc_server::on_writable(connection& c) { flush(c); }

void dc_server::update_epoll(connection& c) {
  if (!c.fd)
    return;
  const bool want_out = c.out_pos < c.out.size();
  epoll_event ev{};
  ev.events = (c.stalled ? 0u : uint32_t(EPOLLIN)) | (want_out ? uint32_t(EPOLLOUT) : 0u);
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  c.epollout = want_out;
}

void dc_server::close(connection& c, const std::string& why) {
  if (!c.fd)
    return;
  log(c, "disconnected (" + why + ")");
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
  c.fd.reset();
  --counters_.connections_open;
  for (auto& [k, s] : sessions_)
    if (s->conn_id == c.id)
      s->conn_id = 0;
  doomed_.push_back(c.id);
}

void dc_server::close_now(uint64_t conn_id, const std::string& why) {
  if (auto* c = find(conn_id))
    close(*c, why);
}

void dc_server::reap() {
  for (auto id : doomed_)
    conns_.erase(id);
  doomed_.clear();
}

void dc_server::add_timer(steady::time_point at, std::function<void()> fn) {
  timers_.emplace(at, std::move(fn));
}

int dc_server::next_timeout_ms() const {
  if (timers_.empty())
    return 1000;
  auto d = timers_.begin()->first - steady::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 0)
    return 0;
  return int(std::min<int64_t>(ms + 1, 1000));
}

void dc_server::run_timers() {
  const auto now = steady::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto fn = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    fn();
  }
}

// ------------------------------------------------------------------- the API

size_t dc_server::push_update(byte_view body, std::optional<int64_t> session_id) {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  size_t n = 0;
  for (auto& [k, s] : sessions_) {
    if (session_id && s->id != *session_id)
      continue;
    if (!s->api.wants_updates())
      continue;   // it asked for none (invokeWithoutUpdates)
    // A session nobody reads cannot grow without bound: the oldest updates
    // go (a client that comes back must call updates.getDifference anyway).
    if (s->queue.size() >= max_queued_per_session) {
      auto it = std::find_if(s->queue.begin(), s->queue.end(),
                             [](const outgoing& q) { return q.update; });
      if (it != s->queue.end())
        s->queue.erase(it);
    }
    outgoing o;
    o.body = body.to_buffer();
    o.content = true;
    o.response = false;
    o.update = true;
    s->queue.push_back(std::move(o));
    ++n;
  }
  wake();
  return n;
}

server_counters dc_server::counters() const {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  auto c = counters_;
  c.auth_keys = keys_.size();
  c.sessions = sessions_.size();
  return c;
}

std::vector<int64_t> dc_server::session_ids() const {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  std::vector<int64_t> out;
  for (auto& [k, s] : sessions_)
    out.push_back(s->id);
  return out;
}

void dc_server::set_faults(const fault_plan& f) {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  faults_ = f;
  // A stall that applies at once also freezes live connections.
  if (f.stall) {
    for (auto& [id, c] : conns_)
      if (c->fd && c->frames_in >= f.stall_after_frames && !c->stalled) {
        c->stalled = true;
        update_epoll(*c);
      }
  } else {
    for (auto& [id, c] : conns_)
      if (c->fd && c->stalled) {
        c->stalled = false;
        update_epoll(*c);
      }
  }
  wake();
}

std::vector<int64_t> dc_server::subscribed_session_ids() const {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  std::vector<int64_t> out;
  for (auto& [k, s] : sessions_)
    if (s->api.subscription == api_session_state::updates::subscribed)
      out.push_back(s->id);
  return out;
}

bool dc_server::close_connection_of(int64_t session_id) {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  for (auto& [k, s] : sessions_)
    if (s->id == session_id)
      if (auto* c = find(s->conn_id)) {
        close(*c, "closed by the test");
        wake();
        return true;
      }
  return false;
}

void dc_server::close_connections() {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  for (auto& [id, c] : conns_)
    close(*c, "server restart");
  wake();
}

void dc_server::forget_sessions() {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  for (auto& [id, c] : conns_)
    close(*c, "server restart (sessions forgotten)");
  sessions_.clear();
  wake();
}

void dc_server::forget_auth_keys() {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  for (auto& [id, c] : conns_)
    close(*c, "server restart (auth keys forgotten)");
  sessions_.clear();
  keys_.clear();
  wake();
}

void dc_server::forget_temp_keys() {
  std::lock_guard<std::recursive_mutex> lock{mu_};
  for (auto i = keys_.begin(); i != keys_.end();) {
    if (i->second.expires_at != 0)
      i = keys_.erase(i);
    else
      ++i;
  }
  wake();
}

} // namespace mtsender::test_dc
