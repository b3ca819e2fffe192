// Benchmark of the local test server (tests/test_dc) as a peer: the project's
// client session talks to it over loopback TCP (intermediate framing).
//
//   ping latency     one ping in flight: µs per round trip (client + server + 2 TCP hops)
//   ping pipelined   256 pings in flight: pings/s
//   rpc pipelined    256 help.getNearestDc in flight: RPCs/s
//   getFile          512 KiB upload.getFile answers, 4 in flight: MB/s of file bytes
//
// Each figure is the median of 5 runs. The server must never be the
// bottleneck of a client benchmark; compare with bench_session's per-message
// figures to see how much of a round trip is the server's.
//
//   bench_server_roundtrip [ping|rpc|file]   # all by default
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/net.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/codec/frame_codec.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/session/client_session.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace mtsender;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr int runs = 5;

int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

class system_clock_source final : public session::clock_source {
public:
  int64_t unix_time_ns() override { return now_ns(); }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A blocking client connection driving a client_session.
class client {
public:
  explicit client(const test_dc::server& srv) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(srv.port(2));
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
      throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    codec_ = codec::make_client_codec({}, rng_);
    handshake::client_config cfg;
    cfg.public_keys.push_back(srv.public_key());
    cfg.dc_id = 2;
    handshake::client_handshake hs{cfg, rng_};
    handshake::msg_id_clock ids;
    send(handshake::make_plain_message(ids.next_client(now_ns()), hs.start()));
    for (;;) {
      auto f = frame();
      auto m = handshake::read_plain_message(f, handshake::plain_sender::server);
      auto step = hs.on_message(m.body, now_ns() / 1'000'000'000);
      if (step.status == handshake::step_status::done)
        break;
      send(handshake::make_plain_message(ids.next_client(now_ns()), step.send));
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
  system_clock_source clock_;
  std::unique_ptr<codec::frame_codec> codec_;
  std::unique_ptr<session::client_session> session_;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(1 << 20);
  byte_buffer out_;
  std::vector<session::event> events_;
};

// Runs `total` operations keeping `depth` in flight; returns seconds.
template <class Issue>
double pipelined(client& c, size_t total, size_t depth, Issue issue) {
  const auto t0 = bench_clock::now();
  size_t issued = 0, done = 0;
  while (done < total) {
    while (issued < total && issued - done < depth)
      issue(issued++);
    c.flush();
    done += c.receive();
  }
  return std::chrono::duration<double>(bench_clock::now() - t0).count();
}

byte_buffer get_file_query(int64_t offset, int32_t limit) {
  return test_dc::pattern_file_query(offset, limit);
}

} // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  auto want = [&](const char* what) { return only.empty() || only == what; };
  test_dc::server_options opts;
  opts.rsa_key = test_dc::shared_test_key();
  opts.rules.require_init_connection = false;   // raw client, bare calls
  test_dc::server srv{opts};
  srv.start();
  client c{srv};
  uint64_t token = 1;
  // Warm up: first exchange (new_session_created).
  c.s().ping(0);
  c.flush();
  while (c.receive() == 0) {}

  std::vector<double> lat, ping_rate, rpc_rate, file_rate;
  byte_buffer nearest(4);
  store_le32(nearest.data(), test_dc::help_get_nearest_dc_id);
  const size_t n_latency = 2000, n_pipelined = 50000, n_files = 200;
  const int32_t limit = 512 * 1024;
  for (int r = 0; r < runs; ++r) {
    if (want("ping")) {
      double t = pipelined(c, n_latency, 1, [&](size_t i) { c.s().ping(int64_t(i)); });
      lat.push_back(t / double(n_latency) * 1e6);
      t = pipelined(c, n_pipelined, 256, [&](size_t i) { c.s().ping(int64_t(i)); });
      ping_rate.push_back(double(n_pipelined) / t);
    }
    if (want("rpc")) {
      double t = pipelined(c, n_pipelined, 256, [&](size_t) { c.s().invoke(token++, nearest); });
      rpc_rate.push_back(double(n_pipelined) / t);
    }
    if (want("file")) {
      double t = pipelined(c, n_files, 4, [&](size_t i) {
        c.s().invoke(token++, get_file_query(int64_t(i) * limit, limit));
      });
      file_rate.push_back(double(n_files) * limit / t / 1e6);
    }
  }
  auto med = [](const std::vector<double>& v) { return v.empty() ? 0.0 : median(v); };
  std::printf("ping latency (1 in flight):     %8.1f us/round trip\n", med(lat));
  std::printf("ping pipelined (256 in flight): %8.0f pings/s\n", med(ping_rate));
  std::printf("rpc pipelined (256 in flight):  %8.0f rpcs/s (help.getNearestDc)\n", med(rpc_rate));
  std::printf("upload.getFile 512 KiB (4 in flight): %8.1f MB/s\n", med(file_rate));
  srv.stop();
  return 0;
}
