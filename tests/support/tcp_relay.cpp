#include "mtsender/tests/support/tcp_relay.hpp"

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/codec/abridged_codec.hpp"
#include "mtsender/transport/codec/frame_rules.hpp"
#include "mtsender/transport/codec/full_codec.hpp"
#include "mtsender/transport/codec/intermediate_codec.hpp"
#include "mtsender/transport/codec/obfuscated2_codec.hpp"
#include "mtsender/transport/codec/obfuscation_header.hpp"
#include "mtsender/transport/crypto/aes_ctr.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mtsender::test_support {

namespace {

constexpr size_t obfuscation_header_size = 64;
constexpr size_t read_chunk = 64 * 1024;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("tcp_relay: ") + what);
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void make_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

relay_frame to_relay_frame(const codec::frame& f) {
  relay_frame r;
  r.type = f.type;
  r.payload = f.payload.to_buffer();
  r.error_code = f.error_code;
  r.quick_ack_token = f.quick_ack_token;
  return r;
}

// The codec that reads one side's frames, for a plain inner framing.
std::unique_ptr<codec::frame_codec> plain_codec(codec::framing kind, codec::side role,
                                                size_t max_frame, random_source& rng) {
  switch (kind) {
    case codec::framing::abridged:
      return codec::make_abridged_codec(role, max_frame, false);
    case codec::framing::intermediate:
      return codec::make_intermediate_codec(role, false, max_frame, false, rng);
    case codec::framing::padded_intermediate:
      return codec::make_intermediate_codec(role, true, max_frame, false, rng);
    case codec::framing::full:
      return codec::make_full_codec(max_frame);
    case codec::framing::obfuscated2:
      break;
  }
  throw std::logic_error("tcp_relay: no plain codec for obfuscated2");
}

} // namespace

relay_frame relay_frame::packet(byte_view bytes) {
  relay_frame f;
  f.payload = bytes.to_buffer();
  return f;
}

relay_frame relay_frame::transport_error(int32_t code) {
  relay_frame f;
  f.type = codec::frame::kind::transport_error;
  f.error_code = code;
  uint8_t b[4];
  store_le32(b, uint32_t(code));
  f.payload.assign(b, b + 4);
  return f;
}

relay_frame relay_frame::quick_ack(uint32_t token) {
  relay_frame f;
  f.type = codec::frame::kind::quick_ack;
  f.quick_ack_token = token;
  return f;
}

bool relay_frame::is_encrypted() const noexcept {
  if (!is_packet() || payload.size() < 8)
    return false;
  return std::any_of(payload.begin(), payload.begin() + 8, [](uint8_t b) { return b != 0; });
}

struct tcp_relay::connection {
  enum class phase : uint8_t { detecting, decoding, opaque };
  struct record_side {
    std::vector<relay_frame> frames;
    size_t bytes = 0;
    size_t count = 0;
    bool truncated = false;
  };

  size_t id = 0;
  int client_fd = -1;
  int server_fd = -1;
  bool open = true;
  bool cut_requested = false;
  bool closing = false;  // a peer closed or a frame was rejected: flush, then close
  byte_buffer to_server;
  byte_buffer to_client;

  phase state = phase::detecting;
  seeded_random rng{0x7e1a7};  // padding of padded frames the relay writes
  std::unique_ptr<codec::framing_detector> detector;
  byte_buffer head;          // the client's first bytes (the obfuscation header)
  byte_buffer early_server;  // server bytes that came before the framing was known
  std::optional<codec::framing> outer;
  codec::framing inner = codec::framing::intermediate;
  bool padded = false;
  std::unique_ptr<codec::frame_codec> client_frames;  // reads client -> server
  std::unique_ptr<codec::frame_codec> server_frames;  // reads server -> client
  std::unique_ptr<codec::frame_codec> writer;         // writes toward the client
  std::unique_ptr<crypto::aes_ctr> seal;              // obfuscated2, toward the client
  size_t server_index = 0;
  record_side rec[2];
};

tcp_relay::tcp_relay(uint16_t target_port, relay_options opts)
  : target_port_(target_port), opts_(std::move(opts)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0)
    fail("socket");
  auto addr = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    fail("bind/listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    fail("pipe");
  }
  loop_ = std::thread([this] { run(); });
}

tcp_relay::~tcp_relay() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  wake();
  loop_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::close(listen_fd_);
}

void tcp_relay::wake() const {
  char c = 'w';
  (void) !::write(wake_[1], &c, 1);  // a full pipe already wakes the loop
}

tcp_relay::connection* tcp_relay::find(size_t id) const {
  return id < conns_.size() ? conns_[id].get() : nullptr;
}

size_t tcp_relay::connections() const {
  std::lock_guard<std::mutex> lk(mu_);
  return conns_.size();
}

bool tcp_relay::wait_for_connections(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(mu_);
  return changed_.wait_for(lk, timeout, [&] { return conns_.size() >= n; });
}

bool tcp_relay::is_open(size_t id) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto* c = find(id);
  return c && c->open;
}

std::optional<codec::framing> tcp_relay::framing(size_t id, codec::framing* inner) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto* c = find(id);
  if (!c || !c->outer)
    return std::nullopt;
  if (inner)
    *inner = c->inner;
  return c->outer;
}

std::vector<relay_frame> tcp_relay::frames(size_t id, relay_direction dir) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto* c = find(id);
  return c ? c->rec[size_t(dir)].frames : std::vector<relay_frame>{};
}

size_t tcp_relay::frame_count(size_t id, relay_direction dir) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto* c = find(id);
  return c ? c->rec[size_t(dir)].count : 0;
}

bool tcp_relay::truncated(size_t id, relay_direction dir) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto* c = find(id);
  return c && c->rec[size_t(dir)].truncated;
}

bool tcp_relay::wait_for_frames(size_t id, relay_direction dir, size_t n,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(mu_);
  return changed_.wait_for(lk, timeout, [&] {
    auto* c = find(id);
    return c && c->rec[size_t(dir)].count >= n;
  });
}

std::optional<relay_frame>
tcp_relay::wait_for_frame(size_t id, relay_direction dir,
                          const std::function<bool(const relay_frame&)>& pred,
                          std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(mu_);
  std::optional<relay_frame> hit;
  size_t checked = 0;
  changed_.wait_for(lk, timeout, [&] {
    auto* c = find(id);
    if (!c)
      return false;
    auto& frames = c->rec[size_t(dir)].frames;
    for (; checked < frames.size(); ++checked)
      if (pred(frames[checked])) {
        hit = frames[checked];
        return true;
      }
    return false;
  });
  return hit;
}

bool tcp_relay::queue_frame(connection& c, const relay_frame& f) {
  if (!c.open || c.closing || c.state != connection::phase::decoding)
    return false;
  size_t start = c.to_client.size();
  switch (f.type) {
    case codec::frame::kind::packet:
      if (c.padded) {
        // The payload already holds the server's padding: write it as it came.
        if (f.payload.empty())
          throw std::invalid_argument("tcp_relay: cannot inject an empty packet");
        codec::detail::append_le32(c.to_client, uint32_t(f.payload.size()));
        c.to_client.insert(c.to_client.end(), f.payload.begin(), f.payload.end());
      } else {
        c.writer->encode(f.payload, c.to_client);
      }
      break;
    case codec::frame::kind::transport_error:
      c.writer->encode_transport_error(f.error_code, c.to_client);
      break;
    case codec::frame::kind::quick_ack:
      c.writer->encode_quick_ack(f.quick_ack_token, c.to_client);
      break;
  }
  if (c.seal)
    c.seal->apply(c.to_client.data() + start, c.to_client.size() - start);
  return true;
}

bool tcp_relay::inject(size_t id, const relay_frame& f) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto* c = find(id);
    queued = c && queue_frame(*c, f);
  }
  if (queued)
    wake();
  return queued;
}

size_t tcp_relay::replay(size_t from, size_t to) {
  size_t n = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto* src = find(from);
    auto* dst = find(to);
    if (!src || !dst)
      return 0;
    for (auto& f : src->rec[size_t(relay_direction::to_client)].frames)
      if (f.is_encrypted() && queue_frame(*dst, f))
        ++n;
  }
  if (n > 0)
    wake();
  return n;
}

bool tcp_relay::inject_raw(size_t id, byte_view bytes) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto* c = find(id);
    if (!c || !c->open)
      return false;
    c->to_client.insert(c->to_client.end(), bytes.begin(), bytes.end());
  }
  wake();
  return true;
}

void tcp_relay::set_filter(server_filter f) {
  std::lock_guard<std::mutex> lk(mu_);
  filter_ = std::move(f);
}

void tcp_relay::cut(size_t id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (auto* c = find(id))
      c->cut_requested = true;
  }
  wake();
}

void tcp_relay::cut_all() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& c : conns_)
      c->cut_requested = true;
  }
  wake();
}

void tcp_relay::close(connection& c) {
  if (!c.open)
    return;
  ::close(c.client_fd);
  ::close(c.server_fd);
  c.open = false;
  c.to_client.clear();
  c.to_client.shrink_to_fit();
  c.to_server.clear();
  c.to_server.shrink_to_fit();
  c.early_server.clear();
  c.client_frames.reset();
  c.server_frames.reset();
  c.writer.reset();
  c.seal.reset();
  c.detector.reset();
}

void tcp_relay::record(connection& c, relay_direction dir, const codec::frame& f) {
  auto& side = c.rec[size_t(dir)];
  ++side.count;
  if (side.truncated || side.bytes + f.payload.size() > opts_.max_recorded_bytes) {
    side.truncated = true;
    return;
  }
  side.bytes += f.payload.size();
  side.frames.push_back(to_relay_frame(f));
}

void tcp_relay::detect(connection& c, byte_view bytes) {
  if (c.head.size() < obfuscation_header_size) {
    size_t take = std::min(bytes.size(), obfuscation_header_size - c.head.size());
    c.head.insert(c.head.end(), bytes.begin(), bytes.begin() + take);
  }
  std::unique_ptr<codec::frame_codec> found;
  try {
    found = c.detector->feed(bytes);
  } catch (const std::exception&) {
    c.state = connection::phase::opaque;
  }
  if (c.state == connection::phase::opaque) {
    c.detector.reset();
    c.to_client.insert(c.to_client.end(), c.early_server.begin(), c.early_server.end());
    c.early_server.clear();
    return;
  }
  if (!found)
    return;
  c.detector.reset();
  c.outer = found->kind();
  const size_t max_frame = opts_.max_frame_size;
  if (*c.outer == codec::framing::obfuscated2) {
    codec::obfuscation_header header;
    std::copy(c.head.begin(), c.head.begin() + obfuscation_header_size, header.begin());
    auto keys = codec::derive_obfuscation_keys(header, codec::side::server, opts_.proxy_secret);
    crypto::aes_ctr open_header(keys.decrypt_key, keys.decrypt_iv);
    open_header.apply(header.data(), header.size());
    // The detector accepted this header, so the tag names a framing.
    c.inner = *codec::framing_of_obfuscation_tag(load_le32(header.data() + 56));
    // The server's key stream, once to read what it sent and once to seal
    // what the relay writes (the two run apart once something is injected).
    c.server_frames = codec::make_obfuscated2_server_codec(
      crypto::aes_ctr(keys.encrypt_key, keys.encrypt_iv),
      crypto::aes_ctr(keys.encrypt_key, keys.encrypt_iv),
      plain_codec(c.inner, codec::side::client, max_frame, c.rng));
    c.seal = std::make_unique<crypto::aes_ctr>(keys.encrypt_key, keys.encrypt_iv);
  } else {
    c.inner = *c.outer;
    c.server_frames = plain_codec(c.inner, codec::side::client, max_frame, c.rng);
  }
  c.writer = plain_codec(c.inner, codec::side::server, max_frame, c.rng);
  c.padded = c.inner == codec::framing::padded_intermediate;
  c.client_frames = std::move(found);
  c.state = connection::phase::decoding;
  // The detector already fed the codec the bytes past the preamble.
  on_client_bytes(c, byte_view{});
  if (!c.early_server.empty()) {
    byte_buffer early = std::move(c.early_server);
    c.early_server.clear();
    on_server_bytes(c, early);
  }
}

void tcp_relay::on_client_bytes(connection& c, byte_view bytes) {
  c.to_server.insert(c.to_server.end(), bytes.begin(), bytes.end());
  if (!c.client_frames)
    return;
  try {
    if (!bytes.empty())
      c.client_frames->feed(bytes);
    codec::frame f;
    while (c.client_frames->next(f))
      record(c, relay_direction::to_server, f);
  } catch (const std::exception&) {
    // The server will reject these bytes itself; keep relaying, stop reading.
    c.client_frames.reset();
  }
}

void tcp_relay::on_server_bytes(connection& c, byte_view bytes) {
  switch (c.state) {
    case connection::phase::opaque:
      c.to_client.insert(c.to_client.end(), bytes.begin(), bytes.end());
      return;
    case connection::phase::detecting:
      c.early_server.insert(c.early_server.end(), bytes.begin(), bytes.end());
      return;
    case connection::phase::decoding:
      break;
  }
  try {
    c.server_frames->feed(bytes);
    codec::frame f;
    while (c.server_frames->next(f)) {
      record(c, relay_direction::to_client, f);
      size_t index = c.server_index++;
      if (!filter_) {
        queue_frame(c, to_relay_frame(f));
        continue;
      }
      for (auto& out : filter_(c.id, index, to_relay_frame(f)))
        queue_frame(c, out);
    }
  } catch (const std::exception&) {
    c.closing = true;
  }
}

void tcp_relay::run() {
  std::vector<pollfd> fds;
  std::vector<connection*> polled;  // polled[i] owns fds[2 + 2i] (client) and fds[3 + 2i]
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (quit_) {
      for (auto& c : conns_)
        close(*c);
      changed_.notify_all();
      return;
    }
    for (auto& c : conns_)
      if (c->open
          && (c->cut_requested
              || (c->closing && c->to_client.empty() && c->to_server.empty())))
        close(*c);
    changed_.notify_all();

    fds.clear();
    polled.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    const size_t budget = opts_.max_buffered_bytes;
    for (auto& cp : conns_) {
      auto& c = *cp;
      if (!c.open)
        continue;
      short ce = 0;
      short se = 0;
      if (!c.closing && c.to_server.size() < budget)
        ce |= POLLIN;
      if (!c.to_client.empty())
        ce |= POLLOUT;
      if (!c.closing && c.to_client.size() < budget && c.early_server.size() < budget)
        se |= POLLIN;
      if (!c.to_server.empty())
        se |= POLLOUT;
      fds.push_back({c.client_fd, ce, 0});
      fds.push_back({c.server_fd, se, 0});
      polled.push_back(&c);
    }

    lk.unlock();
    int ready = ::poll(fds.data(), fds.size(), -1);
    lk.lock();
    if (ready < 0) {
      if (errno == EINTR)
        continue;
      quit_ = true;
      continue;
    }
    if (fds[0].revents & POLLIN) {
      char buf[64];
      while (::read(wake_[0], buf, sizeof buf) > 0) {
      }
    }

    for (size_t i = 0; i < polled.size(); ++i) {
      auto& c = *polled[i];
      if (!c.open || c.cut_requested)
        continue;
      const pollfd& pc = fds[2 + 2 * i];
      const pollfd& ps = fds[3 + 2 * i];
      bool broken = false;
      auto pump_out = [&](int fd, byte_buffer& out) {
        while (!out.empty()) {
          auto w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          if (w > 0) {
            out.erase(out.begin(), out.begin() + w);
            continue;
          }
          if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
          broken = true;
          return;
        }
      };
      auto pull_in = [&](int fd, bool from_client) {
        uint8_t buf[read_chunk];
        auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
          byte_view got{buf, size_t(n)};
          if (!from_client)
            on_server_bytes(c, got);
          else if (c.state == connection::phase::detecting) {
            c.to_server.insert(c.to_server.end(), got.begin(), got.end());
            detect(c, got);
          } else
            on_client_bytes(c, got);
        } else if (n == 0) {
          c.closing = true;  // forward what is queued, then close both sides
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          broken = true;
        }
      };
      if (pc.revents & POLLIN)
        pull_in(c.client_fd, true);
      if (!broken && (ps.revents & POLLIN))
        pull_in(c.server_fd, false);
      if (!broken && (pc.revents & POLLOUT))
        pump_out(c.client_fd, c.to_client);
      if (!broken && (ps.revents & POLLOUT))
        pump_out(c.server_fd, c.to_server);
      if ((pc.revents | ps.revents) & (POLLERR | POLLHUP | POLLNVAL))
        broken = broken || !((pc.revents | ps.revents) & POLLIN);
      if (broken)
        close(c);
    }

    if (fds[1].revents & POLLIN) {
      for (;;) {
        int a = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (a < 0)
          break;
        int b = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto to = loopback(target_port_);
        if (b < 0 || ::connect(b, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
          // As if the target refused: the client sees its connection close.
          ::close(a);
          if (b >= 0)
            ::close(b);
          continue;
        }
        int one = 1;
        ::setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        make_nonblocking(a);
        make_nonblocking(b);
        auto c = std::make_unique<connection>();
        c->id = conns_.size();
        c->client_fd = a;
        c->server_fd = b;
        if (opts_.decode)
          c->detector = std::make_unique<codec::framing_detector>(c->rng, opts_.max_frame_size,
                                                                  opts_.proxy_secret);
        else
          c->state = connection::phase::opaque;
        conns_.push_back(std::move(c));
      }
    }
  }
}

} // namespace mtsender::test_support
