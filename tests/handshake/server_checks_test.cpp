// The server side's checks of what a client sends: each misbehaviour fails
// with exactly its handshake_errc, and the server stays dead afterwards.
#include "mtsender/transport/handshake/rsa_pad.hpp"

#include "tamper.hpp"

using namespace mtsender;
using namespace mtsender::handshake;
using hs_test::decode;
using hs_test::serialize;
using sstate = server_handshake::state;

namespace {

// Runs an honest client; when the server is about to receive its message in
// state `at`, `edit` rewrites it. Expects the server to throw `code`.
void expect_server_error(handshake_errc code, sstate at,
                         const std::function<void(client_handshake&, byte_buffer&)>& edit,
                         client_config ccfg = hs_test::client_cfg()) {
  hs_test::scripted_random crng{31}, srng{32};
  client_handshake client{ccfg, crng};
  server_handshake server{hs_test::server_cfg(), srng};
  auto to_server = client.start();
  for (int round = 0; round < 8; ++round) {
    if (server.current_state() == at) {
      edit(client, to_server);
      REQUIRE_HANDSHAKE_ERROR(server.on_message(to_server, 1000), code);
      CHECK(server.current_state() == sstate::failed);
      REQUIRE_HANDSHAKE_ERROR(server.on_message(to_server, 1000),
                              handshake_errc::unexpected_message);
      return;
    }
    auto s = server.on_message(to_server, 1000);
    to_server = client.on_message(s.send, 1000).send;
  }
  FAIL("never reached the state to tamper in");
}

void flip(int128& x) { x[0] ^= 0x80; }

} // namespace

TEST_CASE("server: first message", "[handshake][server]") {
  expect_server_error(handshake_errc::unexpected_message, sstate::wait_req_pq,
                      [](client_handshake&, byte_buffer& b) {
                        b = serialize(tl::set_client_dh_params{{}, {}, {}});
                      });
  expect_server_error(handshake_errc::malformed_message, sstate::wait_req_pq,
                      [](client_handshake&, byte_buffer& b) { b.resize(10); });
}

TEST_CASE("server: req_DH_params checks", "[handshake][server]") {
  const auto at = sstate::wait_req_dh_params;
  SECTION("nonces") {
    expect_server_error(handshake_errc::nonce_mismatch, at, [](client_handshake&, byte_buffer& b) {
      auto r = decode<tl::req_dh_params>(b);
      flip(r.nonce);
      b = serialize(r);
    });
    expect_server_error(handshake_errc::server_nonce_mismatch, at,
                        [](client_handshake&, byte_buffer& b) {
                          auto r = decode<tl::req_dh_params>(b);
                          flip(r.server_nonce);
                          b = serialize(r);
                        });
  }
  SECTION("p and q") {
    expect_server_error(handshake_errc::pq_factorization_failed, at,
                        [](client_handshake&, byte_buffer& b) {
                          auto r = decode<tl::req_dh_params>(b);
                          std::swap(r.p, r.q);
                          b = serialize(r);
                        });
  }
  SECTION("fingerprint") {
    expect_server_error(handshake_errc::unknown_fingerprint, at,
                        [](client_handshake&, byte_buffer& b) {
                          auto r = decode<tl::req_dh_params>(b);
                          r.public_key_fingerprint ^= 1;
                          b = serialize(r);
                        });
  }
  SECTION("RSA_PAD payload") {
    expect_server_error(handshake_errc::rsa_decrypt_failed, at,
                        [](client_handshake&, byte_buffer& b) {
                          auto r = decode<tl::req_dh_params>(b);
                          r.encrypted_data[77] ^= 4;
                          b = serialize(r);
                        });
  }
  SECTION("inner data contents") {
    // A correctly encrypted P_Q_inner_data whose pq or nonce is wrong.
    auto with_inner = [](auto mutate, handshake_errc code) {
      expect_server_error(code, sstate::wait_req_dh_params,
                          [&](client_handshake& c, byte_buffer& b) {
                            auto r = decode<tl::req_dh_params>(b);
                            auto& t = c.transcript();
                            tl::reader ir{t.inner_data};
                            auto inner = tl::p_q_inner_data_dc::read(ir);
                            mutate(inner);
                            hs_test::scripted_random rng{5};
                            r.encrypted_data = rsa_pad_encrypt(hs_test::server_key()->public_key(),
                                                               serialize(inner), rng);
                            b = serialize(r);
                          });
    };
    with_inner([](tl::p_q_inner_data_dc& d) { d.pq.back() ^= 2; }, handshake_errc::bad_inner_data);
    with_inner([](tl::p_q_inner_data_dc& d) { std::swap(d.p, d.q); },
               handshake_errc::bad_inner_data);
    with_inner([](tl::p_q_inner_data_dc& d) { flip(d.nonce); }, handshake_errc::nonce_mismatch);
    with_inner([](tl::p_q_inner_data_dc& d) { flip(d.server_nonce); },
               handshake_errc::server_nonce_mismatch);
  }
  SECTION("temporary key lifetime") {
    expect_server_error(handshake_errc::bad_expires_in, at, [](client_handshake&, byte_buffer&) {},
                        hs_test::client_cfg(inner_data_kind::temp_dc, 2, 0));
    expect_server_error(handshake_errc::bad_expires_in, at, [](client_handshake&, byte_buffer&) {},
                        hs_test::client_cfg(inner_data_kind::temp_dc, 2, -5));
  }
}

TEST_CASE("server: set_client_DH_params checks", "[handshake][server]") {
  const auto at = sstate::wait_set_client_dh_params;
  SECTION("nonces, outer and inner") {
    expect_server_error(handshake_errc::nonce_mismatch, at, [](client_handshake&, byte_buffer& b) {
      auto r = decode<tl::set_client_dh_params>(b);
      flip(r.nonce);
      b = serialize(r);
    });
    expect_server_error(handshake_errc::server_nonce_mismatch, at,
                        [](client_handshake& c, byte_buffer& b) {
                          hs_test::rewrite_client_dh(
                            c, b, [](tl::client_dh_inner_data& d) { flip(d.server_nonce); });
                        });
  }
  SECTION("SHA-1 and padding of client_DH_inner_data") {
    expect_server_error(handshake_errc::answer_hash_mismatch, at,
                        [](client_handshake& c, byte_buffer& b) {
                          hs_test::rewrite_client_dh(c, b, [](auto&) {}, 0, true);
                        });
    expect_server_error(handshake_errc::bad_answer_padding, at,
                        [](client_handshake& c, byte_buffer& b) {
                          hs_test::rewrite_client_dh(c, b, [](auto&) {}, 2);
                        });
    expect_server_error(handshake_errc::bad_encrypted_answer, at,
                        [](client_handshake&, byte_buffer& b) {
                          auto r = decode<tl::set_client_dh_params>(b);
                          r.encrypted_data.resize(r.encrypted_data.size() - 1);
                          b = serialize(r);
                        });
  }
  SECTION("retry_id") {
    expect_server_error(handshake_errc::bad_retry_id, at, [](client_handshake& c, byte_buffer& b) {
      hs_test::rewrite_client_dh(c, b, [](tl::client_dh_inner_data& d) { d.retry_id = 1; });
    });
  }
  SECTION("g_b range") {
    for (auto g_b : {byte_buffer{1}, byte_buffer{}, byte_buffer(256, 0xff)}) {
      expect_server_error(handshake_errc::bad_g_b, at, [&](client_handshake& c, byte_buffer& b) {
        hs_test::rewrite_client_dh(c, b, [&](tl::client_dh_inner_data& d) { d.g_b = g_b; });
      });
    }
  }
}

TEST_CASE("server: configuration", "[handshake][server]") {
  hs_test::scripted_random rng;
  CHECK_THROWS_AS(server_handshake(server_config{}, rng), std::invalid_argument);
  auto cfg = hs_test::server_cfg();
  cfg.g = 2;  // Telegram's prime is 3 mod 8: g = 2 does not fit
  CHECK_THROWS_AS(server_handshake(cfg, rng), std::invalid_argument);
  cfg.g = 7;
  CHECK(server_handshake(cfg, rng).g() == 7);
  server_handshake s{hs_test::server_cfg(), rng};
  CHECK(s.g() == 3);
  CHECK_THROWS_AS(s.result(), std::logic_error);
  // resPQ offers every key and a pq below 2^63 that is the product of two primes.
  auto body = s.on_message(serialize(tl::req_pq_multi{{}}), 0).send;
  auto res = decode<tl::res_pq>(body);
  CHECK(res.server_public_key_fingerprints
        == std::vector<int64_t>{hs_test::server_key()->fingerprint()});
  uint64_t pq = 0;
  REQUIRE(be_to_u64(res.pq, pq));
  CHECK(pq >> 62 == 0);
  CHECK(pq > (uint64_t(1) << 60));
}
