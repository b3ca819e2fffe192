// A running test server on an ephemeral port, for the tests in this folder.
#pragma once

#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/service_types.hpp"
#include "test_client.hpp"

#include <memory>

namespace mtsender::test_dc::testing {

inline server_options default_options(std::vector<dc_endpoint> dcs = {dc_endpoint{}}) {
  server_options o;
  o.dcs = std::move(dcs);
  o.rsa_key = shared_test_key();
  // Raw MTProto tests send bare API calls: no initConnection needed.
  o.rules.require_init_connection = false;
  return o;
}

struct running_server {
  explicit running_server(server_options o = default_options()) : srv(std::move(o)) {
    srv.start();
  }
  test_client connect(codec::codec_options opts = {}, int32_t dc = 2) {
    return test_client{srv.port(dc), opts};
  }
  // A client with a key and a session, past new_session_created.
  std::unique_ptr<test_client> ready_client(codec::codec_options opts = {}, int32_t dc = 2) {
    auto c = std::make_unique<test_client>(srv.port(dc), opts);
    c->handshake(srv.public_key(), handshake::inner_data_kind::dc, dc);
    return c;
  }
  server srv;
};

// A client past its first exchange (new_session_created and a pong consumed).
inline std::unique_ptr<test_client> session_client(running_server& rs, int32_t dc = 2) {
  auto c = rs.ready_client({}, dc);
  c->send(tl::serialize(tl::ping{0}));
  c->expect(tl::new_session_created::id);
  c->expect(tl::pong::id);
  return c;
}

// A whole message body as T (nothing may follow it).
template <class T>
T read_as(const server_message& m) {
  tl::reader r{m.body};
  auto v = T::read(r);
  r.expect_end(T::id == 0 ? "value" : "message");
  return v;
}

} // namespace mtsender::test_dc::testing
