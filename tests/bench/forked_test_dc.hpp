// A test DC in a child process, for the benchmarks that measure our client:
// with the server in the same process they would measure the two together.
// Fork it before any actor system exists; it answers `query_id` with
// boolTrue and reports its port and RSA public key through a pipe.
// small_request / file_part_request build the bodies the benchmarks send it.
//
//   auto dc = bench::forked_test_dc::start(0x0be4c401);
//   if (!dc) return 1;                      // the child did not start
//   ... connect to 127.0.0.1:dc->port with dc->key ...
//   dc->stop();
#pragma once

#include "mtsender/actors/connection_config.hpp"
#include "mtsender/messages/rpc.hpp"
#include "mtsender/tests/test_dc/builtin_methods.hpp"
#include "mtsender/tests/test_dc/server.hpp"
#include "mtsender/transport/crypto/rsa.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace mtsender::bench {

struct forked_test_dc {
  pid_t pid = -1;
  uint16_t port = 0;
  crypto::rsa_public_key key;

  static std::optional<forked_test_dc> start(uint32_t query_id) {
    int fds[2];
    if (::pipe(fds) != 0)
      return std::nullopt;
    pid_t child = ::fork();
    if (child < 0)
      return std::nullopt;
    if (child == 0) {
      ::close(fds[0]);
      serve(fds[1], query_id);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;)
      msg.append(buf, size_t(n));
    ::close(fds[0]);
    auto nl = msg.find('\n');
    if (nl == std::string::npos) {
      std::fprintf(stderr, "the forked test DC did not start\n");
      ::kill(child, SIGTERM);
      ::waitpid(child, nullptr, 0);
      return std::nullopt;
    }
    forked_test_dc dc;
    dc.pid = child;
    dc.port = static_cast<uint16_t>(std::stoi(msg.substr(0, nl)));
    dc.key = crypto::rsa_public_key::from_pem(msg.substr(nl + 1));
    return dc;
  }

  // A connection to this DC: DC 2 at 127.0.0.1:port with its key.
  connection_config client_config() const {
    connection_config c;
    c.dc_id = 2;
    c.host = "127.0.0.1";
    c.port = port;
    c.rsa_keys.push_back(key);
    return c;
  }

  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }

private:
  // The child: sends "PORT\nPEM" down `fd`, then serves until killed.
  [[noreturn]] static void serve(int fd, uint32_t query_id) {
    test_dc::server_options o;
    o.rsa_key = test_dc::shared_test_key();
    o.rules.require_init_connection = false;   // the benchmarks send bare calls
    test_dc::server srv{std::move(o)};
    srv.on(query_id, [](const test_dc::rpc_call&) {
      byte_buffer b;
      tl::writer w{b};
      w.write_bool(true);
      return test_dc::rpc_reply::result(std::move(b));
    });
    srv.start();
    std::string msg = std::to_string(srv.port(2)) + "\n" + srv.public_key().to_pem();
    if (::write(fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size()))
      std::_Exit(1);
    ::close(fd);
    for (;;)
      ::pause();
  }
};

// A 64-byte body of the query the forked DC answers (its id, then filler).
inline rpc_request small_request(uint32_t query_id) {
  rpc_request r;
  tl::writer w{r.body};
  w.write_uint32(query_id);
  while (r.body.size() < 64)
    w.write_uint32(0x01020304);
  return r;
}

// upload.saveFilePart#b304a621 file_id:long file_part:int bytes:bytes, with a
// part of the largest size the test DC accepts (512 KiB).
inline rpc_request file_part_request() {
  rpc_request r;
  tl::writer w{r.body};
  w.write_uint32(test_dc::upload_save_file_part_id);
  w.write_int64(0x1234);
  w.write_int32(0);
  w.write_bytes(byte_buffer(test_dc::max_file_part_size, 0x5a));
  return r;
}

} // namespace mtsender::bench
