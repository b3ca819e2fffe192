// The plain client the actor benchmarks are measured against: one blocking
// TCP socket driving a client_session directly, no actors, no threads. It
// shows what the wire and the server cost, so bench_speed and
// bench_server_roundtrip can express the actors' figures as ratios of it.
//
//   bench::plain_client c{port, server_public_key};   // handshake done
//   c.s().invoke(token, body); c.flush();             // send what is queued
//   size_t answers = c.receive();                     // one packet read
#pragma once

#include "mtsender/tests/test_dc/net.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/session/client_session.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <variant>
#include <vector>

namespace mtsender::bench {

inline int64_t unix_now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

class plain_client {
public:
  plain_client(uint16_t port, const crypto::rsa_public_key& key) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
      throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    codec_ = codec::make_client_codec({}, rng_);
    handshake::client_config cfg;
    cfg.public_keys.push_back(key);
    cfg.dc_id = 2;
    handshake::client_handshake hs{cfg, rng_};
    handshake::msg_id_clock ids;
    send(handshake::make_plain_message(ids.next_client(unix_now_ns()), hs.start()));
    for (;;) {
      auto f = frame();
      auto m = handshake::read_plain_message(f, handshake::plain_sender::server);
      auto step = hs.on_message(m.body, unix_now_ns() / 1'000'000'000);
      if (step.status == handshake::step_status::done)
        break;
      send(handshake::make_plain_message(ids.next_client(unix_now_ns()), step.send));
    }
    auto st = session::session_state::fresh(hs.result().auth_key,
                                            uint64_t(hs.result().server_salt), rng_);
    session_ = std::make_unique<session::client_session>(st, clock_, rng_);
  }

  session::client_session& s() { return *session_; }

  void flush() {
    out_.clear();
    byte_buffer packet;
    while (session_->next_packet(packet)) {
      codec_->encode(packet, out_);
      packet.clear();
    }
    if (!out_.empty())
      write_all(out_);
  }

  // Reads one packet into the session; returns how many answers it held
  // (rpc results, errors and pongs).
  size_t receive() {
    auto f = frame();
    events_.clear();
    session_->on_packet(f, events_);
    size_t n = 0;
    for (auto& e : events_)
      n += std::holds_alternative<session::rpc_result_event>(e)
           || std::holds_alternative<session::rpc_error_event>(e)
           || std::holds_alternative<session::pong_event>(e);
    return n;
  }

private:
  class clock_source final : public session::clock_source {
  public:
    int64_t unix_time_ns() override { return unix_now_ns(); }
  };

  void send(const byte_buffer& packet) {
    byte_buffer out;
    codec_->encode(packet, out);
    write_all(out);
  }
  void write_all(const byte_buffer& b) {
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = ::send(fd_.get(), b.data() + done, b.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send failed");
      done += size_t(n);
    }
  }
  byte_view frame() {
    codec::frame f;
    while (!codec_->next(f)) {
      ssize_t n = ::recv(fd_.get(), buf_.data(), buf_.size(), 0);
      if (n <= 0)
        throw std::runtime_error("server closed the connection");
      codec_->feed(byte_view{buf_.data(), size_t(n)});
    }
    if (f.type != codec::frame::kind::packet)
      throw std::runtime_error("unexpected transport frame");
    return f.payload;
  }

  test_dc::unique_fd fd_;
  crypto::secure_random rng_;
  clock_source clock_;
  std::unique_ptr<codec::frame_codec> codec_;
  std::unique_ptr<session::client_session> session_;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(1 << 20);
  byte_buffer out_;
  std::vector<session::event> events_;
};

// Runs `total` operations on `c` keeping `depth` in flight; returns seconds.
template <class Issue>
double pipelined(plain_client& c, size_t total, size_t depth, Issue issue) {
  const auto t0 = std::chrono::steady_clock::now();
  size_t issued = 0, done = 0;
  while (done < total) {
    while (issued < total && issued - done < depth)
      issue(issued++);
    c.flush();
    done += c.receive();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace mtsender::bench
