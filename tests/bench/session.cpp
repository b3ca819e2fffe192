// Benchmark of the client session per message, at 64 B, 1 KiB and 512 KiB of
// body: encode + encrypt (invoke + next_packet) and decrypt + decode
// (on_packet of an rpc_result, matched to its request), next to the raw
// message_cipher figures for the same plaintext size. Median of 7 runs, in
// thread CPU time.
// Requests are timed in batches of 64 in flight (the untimed part answers or
// forgets them), so the session's maps stay at a realistic size.
//
//   bench_session            # prints ns/msg and MB/s per size
#include "mtsender/transport/crypto/message_cipher.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/session/msg_id.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"
#include "mtsender/transport/session/seqno.hpp"
#include "mtsender/transport/tl/envelope.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace mtsender;
using namespace mtsender::session;

// CPU time of this thread: the machine is shared, and wall time would
// count the time other processes hold the core.
struct bench_clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<bench_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
  }
};

namespace {

constexpr int runs = 7;
constexpr size_t batch = 64;
constexpr int64_t t0 = 1'700'000'000;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

crypto::auth_key_bytes bench_key() {
  crypto::auth_key_bytes k;
  for (size_t i = 0; i < k.size(); ++i)
    k[i] = uint8_t(i * 7 + 3);
  return k;
}

size_t iterations_for(size_t size) {
  if (size <= 64)
    return 20000;
  if (size <= 1024)
    return 10000;
  return 24;
}

byte_buffer body_of(size_t size) {
  byte_buffer b(size, 0x5a);
  store_le32(b.data(), 0x0badf00d);
  return b;
}

struct result {
  double ns_per_msg;
  double mb_per_s;
};

result to_result(double ns_total, size_t n, size_t size) {
  const double per = ns_total / double(n);
  return {per, double(size) / per * 1e3};
}

// invoke + next_packet, one message per packet (the latency path).
result bench_encode(size_t size) {
  const size_t n = iterations_for(size);
  std::vector<double> samples;
  crypto::secure_random rnd;
  for (int run = 0; run < runs; ++run) {
    manual_clock clock{t0 * ns_per_second};
    client_session s{session_state::fresh(bench_key(), 1, rnd), clock, rnd};
    std::vector<byte_buffer> bodies(n, body_of(size));  // the caller's bodies, made beforehand
    byte_buffer out;
    out.reserve(size + 128);
    double ns = 0;
    for (size_t b = 0; b < n; b += batch) {
      const size_t end = std::min(n, b + batch);
      const auto start = bench_clock::now();
      for (size_t i = b; i < end; ++i) {
        s.invoke(i, std::move(bodies[i]));
        out.clear();
        s.next_packet(out);
        clock.advance(1000);
      }
      ns += std::chrono::duration<double, std::nano>(bench_clock::now() - start).count();
      for (size_t i = b; i < end; ++i)
        s.forget(i);
    }
    samples.push_back(ns);
  }
  return to_result(median(samples), n, size);
}

// on_packet of rpc_result packets answering requests in flight.
result bench_decode(size_t size) {
  const size_t n = iterations_for(size);
  std::vector<double> samples;
  crypto::secure_random rnd;
  for (int run = 0; run < runs; ++run) {
    manual_clock clock{t0 * ns_per_second};
    client_session s{session_state::fresh(bench_key(), 1, rnd), clock, rnd};
    packet_cipher server{bench_key(), packet_cipher::role::server};
    msg_id_generator ids{msg_id_kind::server_response};
    seqno_counter seq;
    const byte_buffer answer = body_of(size - 12);  // rpc_result header is 12 bytes
    std::vector<byte_buffer> packets(batch);
    std::vector<event> ev;
    ev.reserve(8);
    byte_buffer out;
    size_t results = 0;
    double ns = 0;
    for (size_t b = 0; b < n; b += batch) {
      const size_t end = std::min(n, b + batch);
      for (size_t i = b; i < end; ++i) {
        s.invoke(i, body_of(64));
        out.clear();
        s.next_packet(out);
        auto sent = server.open(out);
        byte_buffer plain(plaintext_header_size);
        tl::writer w{plain};
        tl::write_rpc_result(w, int64_t(sent.header.msg_id), answer);
        write_plaintext_header(plain.data(),
                               {1, s.session_id(), ids.next(clock.unix_time_ns()),
                                seq.next(true), uint32_t(plain.size() - plaintext_header_size)});
        packets[i - b].clear();
        server.seal(plain, rnd, packets[i - b]);
        clock.advance(1000);
      }
      const auto start = bench_clock::now();
      for (size_t i = b; i < end; ++i) {
        ev.clear();
        s.on_packet(packets[i - b], ev);
        results += ev.size();
      }
      ns += std::chrono::duration<double, std::nano>(bench_clock::now() - start).count();
      out.clear();
      s.next_packet(out);  // the acks
    }
    if (results != n)
      std::fprintf(stderr, "decode: %zu events for %zu packets\n", results, n);
    samples.push_back(ns);
  }
  return to_result(median(samples), n, size);
}

// message_cipher alone on the same plaintext size (header + body + padding).
std::pair<result, result> bench_raw(size_t size) {
  const size_t n = iterations_for(size);
  const size_t plain_size = (plaintext_header_size + size + 12 + 15) / 16 * 16;
  byte_buffer plain(plain_size, 0x11);
  crypto::message_cipher enc{bench_key()};
  std::vector<double> es, ds;
  byte_buffer packet, back;
  for (int run = 0; run < runs; ++run) {
    auto start = bench_clock::now();
    for (size_t i = 0; i < n; ++i) {
      packet.clear();
      enc.encrypt(crypto::direction::client_to_server, plain, packet);
    }
    es.push_back(std::chrono::duration<double, std::nano>(bench_clock::now() - start).count());
    start = bench_clock::now();
    for (size_t i = 0; i < n; ++i)
      enc.decrypt(crypto::direction::client_to_server, packet, back);
    ds.push_back(std::chrono::duration<double, std::nano>(bench_clock::now() - start).count());
  }
  return {to_result(median(es), n, size), to_result(median(ds), n, size)};
}

} // namespace

int main() {
  std::printf("%-10s %-22s %12s %10s %10s\n", "body", "what", "ns/msg", "MB/s", "vs raw");
  for (size_t size : {size_t(64), size_t(1024), size_t(512 * 1024)}) {
    auto [raw_enc, raw_dec] = bench_raw(size);
    auto enc = bench_encode(size);
    auto dec = bench_decode(size);
    std::printf("%-10zu %-22s %12.0f %10.1f %10s\n", size, "raw encrypt", raw_enc.ns_per_msg,
                raw_enc.mb_per_s, "");
    std::printf("%-10zu %-22s %12.0f %10.1f %9.2fx\n", size, "session encode+encrypt",
                enc.ns_per_msg, enc.mb_per_s, enc.ns_per_msg / raw_enc.ns_per_msg);
    std::printf("%-10zu %-22s %12.0f %10.1f %10s\n", size, "raw decrypt", raw_dec.ns_per_msg,
                raw_dec.mb_per_s, "");
    std::printf("%-10zu %-22s %12.0f %10.1f %9.2fx\n", size, "session decrypt+decode",
                dec.ns_per_msg, dec.mb_per_s, dec.ns_per_msg / raw_dec.ns_per_msg);
  }
  return 0;
}
