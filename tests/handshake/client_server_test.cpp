// The client against the server side, in-process, for every variant: the
// three P_Q_inner_data constructors, temporary keys, dh_gen_retry, the
// legacy req_pq, and g_b with its leading zero byte stripped.
#include "mtsender/transport/handshake/dh_params.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"

#include "tamper.hpp"

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

void check_same_key(const client_handshake& client, const server_handshake& server) {
  REQUIRE(client.current_state() == client_handshake::state::done);
  REQUIRE(server.current_state() == server_handshake::state::done);
  auto& c = client.result();
  auto& s = server.result();
  CHECK(c.auth_key == s.auth_key);
  CHECK(c.auth_key_id == s.auth_key_id);
  CHECK(c.auth_key_id == crypto::auth_key_id(c.auth_key));
  CHECK(c.auth_key_id != 0);
  CHECK(c.server_salt == s.server_salt);
  CHECK(c.server_salt == initial_server_salt(client.transcript().new_nonce,
                                             client.transcript().server_nonce));
  CHECK(c.retries == s.retries);
  CHECK(c.kind == s.kind);
  CHECK(c.dc_id == s.dc_id);
  CHECK(c.expires_in == s.expires_in);
}

} // namespace

TEST_CASE("client and server agree for every P_Q_inner_data variant", "[handshake][e2e]") {
  struct variant {
    inner_data_kind kind;
    int32_t dc, expires_in;
  };
  for (auto v : {variant{inner_data_kind::plain, 0, 0}, variant{inner_data_kind::dc, 2, 0},
                 variant{inner_data_kind::dc, -10004, 0},
                 variant{inner_data_kind::temp_dc, 4, 86400}}) {
    INFO("kind " << int(v.kind) << " dc " << v.dc);
    hs_test::scripted_random crng{uint64_t(v.dc) + 11}, srng{uint64_t(v.dc) + 12};
    client_handshake client{hs_test::client_cfg(v.kind, v.dc, v.expires_in), crng};
    server_handshake server{hs_test::server_cfg(), srng};
    auto last = hs_test::run(client, server, {}, /*client_time=*/1700000000,
                             /*server_time=*/1700000042);
    CHECK(last.send.empty());
    check_same_key(client, server);
    CHECK(server.result().kind == v.kind);
    CHECK(server.result().dc_id == v.dc);
    CHECK(server.result().expires_in == v.expires_in);
    CHECK(client.result().server_time_offset == 42);
    // The inner data really used the asked-for constructor.
    tl::reader r{client.transcript().inner_data};
    auto inner = tl::read_any_p_q_inner_data(r);
    CHECK(inner.index() == size_t(v.kind));
  }
}

TEST_CASE("different runs give different keys", "[handshake][e2e]") {
  hs_test::scripted_random c1{1}, s1{2}, c2{3}, s2{4};
  client_handshake a{hs_test::client_cfg(), c1}, b{hs_test::client_cfg(), c2};
  server_handshake sa{hs_test::server_cfg(), s1}, sb{hs_test::server_cfg(), s2};
  hs_test::run(a, sa);
  hs_test::run(b, sb);
  CHECK(a.result().auth_key != b.result().auth_key);
}

TEST_CASE("dh_gen_retry: a new b, retry_id = the old key's aux hash", "[handshake][e2e]") {
  for (int retries : {1, 2, 5}) {
    INFO("retries " << retries);
    hs_test::scripted_random crng{7}, srng{8};
    auto scfg = hs_test::server_cfg();
    scfg.retry_answers = retries;
    client_handshake client{hs_test::client_cfg(), crng};
    server_handshake server{scfg, srng};
    std::vector<int64_t> retry_ids;
    std::vector<byte_buffer> keys_seen;
    auto to_server = client.start();
    for (int round = 0; client.current_state() != client_handshake::state::done; ++round) {
      REQUIRE(round < 16);
      if (client.current_state() == client_handshake::state::wait_dh_gen) {
        auto k = hs_test::tmp_key_of(client);
        auto req = hs_test::decode<tl::set_client_dh_params>(to_server);
        auto inner = decode_hashed<tl::client_dh_inner_data>(req.encrypted_data, k.key, k.iv, "t");
        retry_ids.push_back(inner.retry_id);
        keys_seen.push_back(inner.g_b);
      }
      auto s = server.on_message(to_server, 1000);
      to_server = client.on_message(s.send, 1000).send;
    }
    check_same_key(client, server);
    CHECK(client.result().retries == retries);
    REQUIRE(retry_ids.size() == size_t(retries + 1));
    CHECK(retry_ids[0] == 0);
    for (size_t i = 1; i < retry_ids.size(); ++i) {
      CHECK(retry_ids[i] != 0);
      CHECK(keys_seen[i] != keys_seen[i - 1]);  // a fresh b each time
    }
    // The last retry_id is the aux hash of the key before the final one, so
    // it cannot be the final key's.
    CHECK(retry_ids.back() != auth_key_aux_hash(client.result().auth_key));
  }
}

TEST_CASE("the server answers the legacy req_pq too", "[handshake][e2e]") {
  hs_test::scripted_random crng{5}, srng{6};
  client_handshake client{hs_test::client_cfg(), crng};
  server_handshake server{hs_test::server_cfg(), srng};
  auto multi = hs_test::decode<tl::req_pq_multi>(client.start());
  auto s = server.on_message(hs_test::serialize(tl::req_pq{multi.nonce}), 1000);
  auto c = client.on_message(s.send, 1000);
  while (c.status != step_status::done) {
    s = server.on_message(c.send, 1000);
    c = client.on_message(s.send, 1000);
  }
  check_same_key(client, server);
}

TEST_CASE("the server accepts g_b with its leading zero byte stripped", "[handshake][e2e]") {
  // Find a b whose g_b = 3^b mod p has a zero top byte (1 in 256 does).
  auto& p = telegram_dh_prime();
  hs_test::scripted_random search{99};
  byte_buffer b(256);
  for (int i = 0;; ++i) {
    REQUIRE(i < 5000);
    search.fill(b.data(), b.size());
    if (mod_exp(3, b, p)[0] == 0)
      break;
  }
  hs_test::scripted_random crng{5}, srng{6};
  crng.push(b);  // the first 256-byte draw is b
  client_handshake client{hs_test::client_cfg(), crng};
  server_handshake server{hs_test::server_cfg(), srng};
  REQUIRE(server.g() == 3);
  auto to_server = client.start();
  size_t stripped_len = 0;
  while (client.current_state() != client_handshake::state::done) {
    if (client.current_state() == client_handshake::state::wait_dh_gen) {
      hs_test::rewrite_client_dh(client, to_server, [&](tl::client_dh_inner_data& d) {
        REQUIRE(d.g_b.size() == 256);
        REQUIRE(d.g_b[0] == 0);
        d.g_b.erase(d.g_b.begin());
        stripped_len = d.g_b.size();
      });
    }
    auto s = server.on_message(to_server, 1000);
    to_server = client.on_message(s.send, 1000).send;
  }
  CHECK(stripped_len == 255);
  check_same_key(client, server);
}

TEST_CASE("a whole exchange through plain messages", "[handshake][e2e]") {
  hs_test::scripted_random crng{21}, srng{22};
  client_handshake client{hs_test::client_cfg(inner_data_kind::temp_dc, 2, 3600), crng};
  server_handshake server{hs_test::server_cfg(), srng};
  msg_id_clock client_ids, server_ids;
  int64_t now_ns = 1700000000LL * 1000000000;
  auto packet = make_plain_message(client_ids.next_client(now_ns), client.start());
  for (;;) {
    auto from_client = read_plain_message(packet, plain_sender::client);
    auto s = server.on_message(from_client.body, now_ns / 1000000000);
    auto reply = make_plain_message(server_ids.next_server(now_ns), s.send);
    auto c = client.on_message(read_plain_message(reply, plain_sender::server).body,
                               now_ns / 1000000000);
    if (c.status == step_status::done)
      break;
    now_ns += 1000000;
    packet = make_plain_message(client_ids.next_client(now_ns), c.send);
  }
  check_same_key(client, server);
  CHECK(client.result().expires_in == 3600);
}
