#include "test_client.hpp"

#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/session/plaintext.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace mtsender::test_dc::testing {

int64_t unix_now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

test_client::test_client(uint16_t port, codec::codec_options opts, const std::string& host) {
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd_)
    throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    throw std::system_error(errno, std::generic_category(), "connect");
  int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  codec_ = codec::make_client_codec(opts, rng_);
}

void test_client::send_raw(byte_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::system_error(errno, std::generic_category(), "send");
    }
    done += size_t(n);
  }
}

void test_client::send_frame(byte_view packet, bool quick_ack) {
  byte_buffer out;
  codec_->encode(packet, out, quick_ack);
  send_raw(out);
}

bool test_client::fill(std::chrono::milliseconds timeout) {
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, int(timeout.count()));
  if (r == 0)
    throw std::runtime_error("test_client: timed out waiting for the server");
  uint8_t buf[65536];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  codec_->feed(byte_view{buf, size_t(n)});
  return true;
}

std::optional<raw_frame> test_client::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  codec::frame f;
  while (!codec_->next(f)) {
    if (eof_)
      return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("test_client: timed out waiting for a frame");
    if (!fill(left))
      return std::nullopt;
  }
  raw_frame out;
  out.type = f.type;
  out.payload = f.payload.to_buffer();
  out.error_code = f.error_code;
  out.quick_ack_token = f.quick_ack_token;
  return out;
}

bool test_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    try {
      if (!read_frame(left))
        return true;
    } catch (const codec::frame_error&) {
      // A bad frame then: drain to the EOF.
      while (!eof_) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, int(left.count())) <= 0)
          return false;
        uint8_t buf[65536];
        if (::recv(fd_.get(), buf, sizeof buf, 0) <= 0)
          eof_ = true;
      }
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  }
}

bool test_client::silent_for(std::chrono::milliseconds quiet) {
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, int(quiet.count())) == 0;
}

handshake::handshake_result test_client::handshake(const crypto::rsa_public_key& key,
                                                   handshake::inner_data_kind kind,
                                                   int32_t dc_id, int32_t expires_in) {
  handshake::client_config cfg;
  cfg.public_keys.push_back(key);
  cfg.kind = kind;
  cfg.dc_id = dc_id;
  cfg.expires_in = expires_in;
  handshake::client_handshake hs{cfg, rng_};
  handshake::msg_id_clock ids;
  send_frame(handshake::make_plain_message(ids.next_client(unix_now_ns()), hs.start()));
  for (;;) {
    auto f = read_frame();
    if (!f)
      throw std::runtime_error("test_client: server closed the connection during the handshake");
    if (f->type == codec::frame::kind::transport_error)
      throw std::runtime_error("test_client: transport error " + std::to_string(f->error_code)
                               + " during the handshake");
    auto msg = handshake::read_plain_message(f->payload, handshake::plain_sender::server);
    auto step = hs.on_message(msg.body, unix_now_ns() / 1'000'000'000);
    if (step.status == handshake::step_status::done) {
      const auto& r = hs.result();
      int64_t sid;
      rng_.fill(reinterpret_cast<uint8_t*>(&sid), sizeof sid);
      use_key(r.auth_key, r.server_salt, sid);
      return r;
    }
    send_frame(handshake::make_plain_message(ids.next_client(unix_now_ns()), step.send));
  }
}

void test_client::use_key(const crypto::auth_key_bytes& key, int64_t salt, int64_t session_id) {
  key_ = key;
  cipher_ = std::make_unique<session::packet_cipher>(key, session::packet_cipher::role::client);
  salt_ = salt;
  session_id_ = session_id;
  seq_ = 0;
}

void test_client::continue_session(const test_client& other) {
  use_key(other.key_, other.salt_, other.session_id_);
  last_msg_id_ = other.last_msg_id_;
  seq_ = other.seq_;
}

int64_t test_client::next_msg_id() {
  int64_t id = int64_t(session::msg_id_from_time_ns(unix_now_ns())) & ~int64_t(3);
  if (id <= last_msg_id_)
    id = last_msg_id_ + 4;
  last_msg_id_ = id;
  return id;
}

int64_t test_client::send(byte_view body, bool content, const send_overrides& o) {
  if (!cipher_)
    throw std::logic_error("test_client: send() before handshake()/use_key()");
  session::message_header h;
  h.salt = uint64_t(o.salt.value_or(salt_));
  h.session_id = uint64_t(o.session_id.value_or(session_id_));
  const int64_t id = o.msg_id ? *o.msg_id : next_msg_id();
  h.msg_id = uint64_t(id);
  h.seqno = uint32_t(o.seqno ? *o.seqno : next_seqno(content));
  h.length = uint32_t(body.size());
  byte_buffer plain;
  plain.reserve(session::plaintext_header_size + body.size() + 1040);
  plain.resize(session::plaintext_header_size);
  tl::writer{plain}.write_raw(body);
  session::write_plaintext_header(plain.data(), h);
  byte_buffer wire;
  cipher_->seal(plain, rng_, wire);
  last_plain_ = plain;
  send_frame(wire, o.quick_ack);
  return id;
}

std::vector<int64_t> test_client::send_container(const std::vector<byte_buffer>& bodies,
                                                 const std::vector<bool>& content) {
  byte_buffer c;
  tl::container_writer cw{c};
  std::vector<int64_t> ids;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const bool cr = i < content.size() ? content[i] : true;
    ids.push_back(next_msg_id());
    cw.add(ids.back(), next_seqno(cr), bodies[i]);
  }
  cw.finish();
  ids.push_back(send(c, false));
  return ids;
}

std::vector<server_message> test_client::read_packet(std::chrono::milliseconds timeout) {
  auto f = read_frame(timeout);
  if (!f)
    throw std::runtime_error("test_client: server closed the connection");
  if (f->type == codec::frame::kind::transport_error)
    throw std::runtime_error("test_client: transport error " + std::to_string(f->error_code));
  if (f->type != codec::frame::kind::packet)
    throw std::runtime_error("test_client: unexpected quick ack frame");
  byte_view packet = f->payload;
  if (packet.size() >= 24)
    packet = packet.sub(0, packet.size() - (packet.size() - 24) % 16);
  auto pm = cipher_->open(packet);
  if (int64_t(pm.header.session_id) != session_id_)
    throw std::runtime_error("test_client: packet for another session");
  if ((pm.header.msg_id & 1) == 0)
    throw std::runtime_error("test_client: server msg_id is even");
  std::vector<server_message> out;
  const int64_t pid = int64_t(pm.header.msg_id);
  if (pm.body.size() >= 4 && load_le32(pm.body.data()) == tl::msg_container_id) {
    for (auto& it : tl::read_msg_container(pm.body))
      out.push_back({it.msg_id, it.seqno, it.body.to_buffer(), pid, true});
  } else {
    out.push_back({pid, int32_t(pm.header.seqno), pm.body.to_buffer(), pid, false});
  }
  return out;
}

server_message test_client::expect(uint32_t constructor, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto it = backlog_.begin(); it != backlog_.end(); ++it)
      if (it->constructor() == constructor) {
        auto m = std::move(*it);
        backlog_.erase(it);
        return m;
      }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("test_client: no " + hex_id(constructor) + " in time");
    for (auto& m : read_packet(left))
      backlog_.push_back(std::move(m));
  }
}

byte_buffer test_client::expect_result(int64_t req_msg_id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
      if (it->constructor() != tl::rpc_result_id)
        continue;
      auto res = tl::read_rpc_result(it->body);
      if (res.req_msg_id != req_msg_id)
        continue;
      byte_buffer storage;
      byte_view v = tl::maybe_gunzip(res.result, storage);
      byte_buffer out = v.to_buffer();
      backlog_.erase(it);
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("test_client: no rpc_result for " + std::to_string(req_msg_id));
    for (auto& m : read_packet(left))
      backlog_.push_back(std::move(m));
  }
}

} // namespace mtsender::test_dc::testing
