// A running test server on an ephemeral port, for the tests in this folder.
#pragma once

#include "mtsender/tests/test_dc/server.hpp"
#include "test_client.hpp"

#include <memory>

namespace mtsender::test_dc::testing {

inline server_options default_options(std::vector<dc_endpoint> dcs = {dc_endpoint{}}) {
  server_options o;
  o.dcs = std::move(dcs);
  o.rsa_key = shared_test_key();
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

} // namespace mtsender::test_dc::testing
