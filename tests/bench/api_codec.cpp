// Benchmark of the generated API's serializers: a messages.messages with 100
// messages and 100 users (what messages.getHistory returns), encoded and
// decoded many times. Prints ns per object (the whole messages.messages, and
// per message/user inside it) and MB/s, the median of several runs.
//
//   bench_api_codec [runs=7] [iterations=2000]
//
// There is no hand-written reader of messages.messages in this project to
// compare with (the hand-written TL code covers service and handshake types
// only), so no ratio is printed.
#include "mtsender/api/messages/Messages.hpp"
#include "mtsender/api/Message.hpp"
#include "mtsender/api/MessageEntity.hpp"
#include "mtsender/api/Peer.hpp"
#include "mtsender/api/User.hpp"
#include "mtsender/api/UserStatus.hpp"
#include "mtsender/api/Username.hpp"
#include "bench_report.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace mtsender;
using clock_type = std::chrono::steady_clock;

namespace {

api::messages::Messages sample_history() {
  api::messages::messages m;
  for (int i = 0; i < 100; ++i) {
    api::message msg;
    msg.out = i % 2 == 0;
    msg.id = 1000 + i;
    msg.from_id = api::Peer{api::peerUser{int64_t(7000000 + i % 10)}};
    msg.peer_id = api::peerUser{int64_t(7000001)};
    msg.date = 1700000000 + i * 60;
    msg.message = "Message number " + std::to_string(i)
                  + ": the quick brown fox jumps over the lazy dog \xe2\x9c\x93";
    std::vector<api::MessageEntity> ents;
    ents.push_back(api::messageEntityBold{0, 7});
    ents.push_back(api::messageEntityUrl{15, 20});
    msg.entities = std::move(ents);
    msg.views = 10 * i;
    msg.forwards = i / 10;   // shares flags.10 with views
    msg.edit_date = 1700000000 + i * 60 + 5;
    m.messages.push_back(std::move(msg));
  }
  for (int i = 0; i < 100; ++i) {
    api::user u;
    u.contact = i % 3 == 0;
    u.id = 7000000 + i;
    u.access_hash = int64_t(0x1234567890abcdefll) + i;
    u.first_name = "User" + std::to_string(i);
    u.last_name = "Lastname";
    u.username = "user_" + std::to_string(i);
    u.phone = "4915112345" + std::to_string(100 + i);
    u.status = api::UserStatus{api::userStatusRecently{}};
    u.lang_code = "en";
    m.users.push_back(std::move(u));
  }
  return m;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 7;
  const int iters = argc > 2 ? std::atoi(argv[2]) : 2000;
  const auto history = sample_history();
  byte_buffer bytes;
  {
    tl::writer w{bytes};
    history.write(w);
  }
  std::printf("api codec: messages.messages with 100 messages and 100 users, %zu bytes, "
              "%d runs x %d iterations (median)\n",
              bytes.size(), runs, iters);
  const double mb = double(bytes.size()) * iters / 1e6;

  size_t sink = 0;
  auto enc = bench::measure(runs, double(iters), [&] {
    byte_buffer out;
    out.reserve(bytes.size());
    auto t0 = clock_type::now();
    for (int i = 0; i < iters; ++i) {
      out.clear();
      tl::writer w{out};
      history.write(w);
      sink += out.size();
    }
    return bench::run_result{seconds_since(t0), 0};
  });
  size_t bad = 0;
  auto dec = bench::measure(runs, double(iters), [&] {
    auto t0 = clock_type::now();
    for (int i = 0; i < iters; ++i) {
      tl::reader r{bytes};
      auto m = api::messages::Messages::read(r);
      sink += m.id();
    }
    return bench::run_result{seconds_since(t0), 0};
  });
  // Decoded equals encoded, or the figures mean nothing.
  {
    tl::reader r{bytes};
    if (!(api::messages::Messages::read(r) == history))
      bad = 1;
  }
  auto line = [&](const char* what, const bench::rate& r) {
    const double ns = 1e9 / r.median;
    std::printf("  %-8s %10.0f ns/messages.messages  %7.0f ns/inner object  %8.1f MB/s\n",
                what, ns, ns / 200, mb / (iters / r.median));
  };
  line("encode", enc);
  line("decode", dec);
  std::printf("  (sink %zu)\n", sink);
  return bad ? 1 : 0;
}
