// Shared helpers of the handshake tests: a scripted random source, one RSA
// key pair per test run, hex-to-array conversion, and a loop that runs a
// client against the server side in-process.
#pragma once

#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/handshake/client_handshake.hpp"
#include "mtsender/transport/handshake/server_handshake.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/random.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>

namespace hs_test {

using namespace mtsender;

// Serves queued chunks in order: a fill() whose size equals the size of the
// next queued chunk gets that chunk; any other fill() (e.g. RSA_PAD's padding
// and temp_key, whose values no test checks) gets bytes of a seeded stream,
// so runs are reproducible.
class scripted_random final : public random_source {
public:
  explicit scripted_random(uint64_t seed = 0x6d7473656e646572) : fallback_(seed) {}

  void push(byte_view chunk) { queue_.push_back(chunk.to_buffer()); }
  void push_hex(std::string_view hex) { push(from_hex(hex)); }
  size_t pending() const { return queue_.size(); }

  void fill(uint8_t* out, size_t n) override {
    if (!queue_.empty() && queue_.front().size() == n) {
      std::memcpy(out, queue_.front().data(), n);
      queue_.pop_front();
      return;
    }
    fallback_.fill(out, n);
  }

private:
  std::deque<byte_buffer> queue_;
  test_support::seeded_random fallback_;
};

template <size_t N>
std::array<uint8_t, N> arr(std::string_view hex) {
  auto b = from_hex(hex);
  REQUIRE(b.size() == N);
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), b.data(), N);
  return out;
}

// Generating a 2048-bit key takes a while: one per test binary.
inline std::shared_ptr<const crypto::rsa_private_key> server_key() {
  static auto key =
    std::make_shared<const crypto::rsa_private_key>(crypto::rsa_private_key::generate(2048));
  return key;
}

inline handshake::client_config client_cfg(handshake::inner_data_kind kind =
                                             handshake::inner_data_kind::dc,
                                           int32_t dc = 2, int32_t expires_in = 0) {
  handshake::client_config cfg;
  cfg.public_keys.push_back(server_key()->public_key());
  cfg.kind = kind;
  cfg.dc_id = dc;
  cfg.expires_in = expires_in;
  cfg.keep_transcript = true;
  return cfg;
}

inline handshake::server_config server_cfg() {
  handshake::server_config cfg;
  cfg.keys.push_back(server_key());
  return cfg;
}

// A hook may rewrite a server message before the client sees it; it gets the
// client's state (which tells the step) and the body.
using tamper_fn = std::function<void(handshake::client_handshake&, byte_buffer&)>;

// Runs the exchange until the client is done; returns the last client step.
// Throws whatever the client or server throws.
inline handshake::step_result run(handshake::client_handshake& client,
                                  handshake::server_handshake& server,
                                  const tamper_fn& tamper = {}, int64_t client_time = 1000,
                                  int64_t server_time = 1000) {
  auto to_server = client.start();
  for (int round = 0; round < 32; ++round) {
    auto s = server.on_message(to_server, server_time);
    if (tamper)
      tamper(client, s.send);
    auto c = client.on_message(s.send, client_time);
    if (c.status == handshake::step_status::done)
      return c;
    to_server = std::move(c.send);
  }
  FAIL("handshake did not finish in 32 rounds");
  return {};
}

} // namespace hs_test

// Asserts that `expr` throws handshake_error with exactly `errc`.
#define REQUIRE_HANDSHAKE_ERROR(expr, errc)                                            \
  do {                                                                                 \
    try {                                                                              \
      (void)(expr);                                                                    \
      FAIL("expected handshake_error " << ::mtsender::handshake::to_string(errc));     \
    } catch (const ::mtsender::handshake::handshake_error& e) {                        \
      INFO(e.what());                                                                  \
      REQUIRE(::mtsender::handshake::to_string(e.code())                               \
              == std::string(::mtsender::handshake::to_string(errc)));                 \
    }                                                                                  \
  } while (false)
