// quickstart: the smallest complete use of caf-mtsender.
//
// Spawns the DC pool inside an actor system, subscribes a listener that
// prints every event the pool reports (connection up, new auth key, updates),
// calls help.getNearestDc and prints the answer; with a bot token it logs in
// as the bot (auth.importBotAuthorization on the home DC: the pool follows a
// USER_MIGRATE for you), and with a second DC it calls a method there too;
// then it shuts down cleanly. Users send bare API functions: the pool adds
// invokeWithLayer(initConnection(...)) with the client identity.
//
//   quickstart                                  # Telegram production DC 2
//   quickstart --host 127.0.0.1 --port 4430 --dc 2 --key test.pub.pem
//              [--session FILE]                 # keep the auth key between runs
//              [--bot-token ID:SECRET] [--dc2 4=127.0.0.1:4431] [--api-id N]
//
// Exit status: 0 on an answer, 1 on an RPC error, 2 on bad arguments.
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using namespace mtsender;

namespace {

constexpr uint32_t help_get_nearest_dc = 0x1fb33026;  // help.getNearestDc#1fb33026 = NearestDc
constexpr uint32_t nearest_dc = 0x8e1a1775;           // nearestDc country this_dc nearest_dc
// auth.importBotAuthorization#67a3ff2c flags:int api_id:int api_hash:string
//   bot_auth_token:string = auth.Authorization
constexpr uint32_t import_bot_authorization = 0x67a3ff2c;
constexpr uint32_t auth_authorization = 0x2ea2c0d4;   // flags user:User

// One whole line per call: the listener prints from another thread.
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Prints each event and acks it (the ack is the pool's flow control).
caf::behavior printer(caf::event_based_actor*, std::string prefix) {
  return {
    [=](const frame_event& ev) -> caf::ok_atom {
      std::string line = prefix + ": dc=" + std::to_string(ev.dc_id) + " kind=" + to_string(ev.kind);
      if (ev.kind == frame_event_kind::update)
        line += " update of " + std::to_string(ev.body.size()) + " bytes";
      if (!ev.what.empty())
        line += " (" + ev.what + ")";
      say(line);
      return caf::ok_atom::value;
    },
  };
}

struct options {
  std::string host;
  uint16_t port = 0;
  int32_t dc = 2;
  std::string key_file;
  std::string session_file;
  std::string bot_token;
  int32_t api_id = 0;
  int32_t dc2 = 0;             // a second DC: id, host, port
  std::string dc2_host;
  uint16_t dc2_port = 0;
};

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = static_cast<uint16_t>(std::stoul(value()));
    else if (a == "--dc")
      o.dc = std::stoi(value());
    else if (a == "--key")
      o.key_file = value();
    else if (a == "--session")
      o.session_file = value();
    else if (a == "--bot-token")
      o.bot_token = value();
    else if (a == "--api-id")
      o.api_id = std::stoi(value());
    else if (a == "--dc2") {
      const std::string v = value();   // N=HOST:PORT
      const auto eq = v.find('='), colon = v.rfind(':');
      if (eq == std::string::npos || colon == std::string::npos || colon < eq)
        throw std::invalid_argument("--dc2 wants N=HOST:PORT, not " + v);
      o.dc2 = std::stoi(v.substr(0, eq));
      o.dc2_host = v.substr(eq + 1, colon - eq - 1);
      o.dc2_port = static_cast<uint16_t>(std::stoul(v.substr(colon + 1)));
    }
    else
      throw std::invalid_argument("unknown option " + a);
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  pool_config pc;  // Telegram's production DCs and key unless told otherwise
  try {
    parse(argc, argv, opt);
    if (!opt.host.empty())
      pc.dcs = {{opt.dc, opt.host, opt.port ? opt.port : uint16_t(443)}};
    if (!opt.key_file.empty())
      pc.rsa_keys = {crypto::rsa_public_key::from_pem_file(opt.key_file)};
    if (!opt.session_file.empty())
      pc.store = std::make_shared<store::file_session_store>(opt.session_file);
    if (opt.dc2 != 0)
      pc.dcs.push_back({opt.dc2, opt.dc2_host, opt.dc2_port});
    pc.identity.api_id = opt.api_id;          // from my.telegram.org for Telegram itself
    pc.identity.app_version = "quickstart 1.0";
  } catch (const std::exception& e) {
    std::cerr << "quickstart: " << e.what() << "\n";
    return 2;
  }
  pc.default_deadline = 15s;

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};

  int status = 1;
  {
    dc_pool pool;
    try {
      pool = spawn_dc_pool(sys, pc);
    } catch (const std::exception& e) {
      std::cerr << "quickstart: " << e.what() << "\n";
      return 2;
    }
    auto listener = sys.spawn(printer, std::string("event"));
    caf::scoped_actor self{sys};
    self->request(pool, 5s, listen_atom::value, listener)
      .receive([](caf::ok_atom) {}, [&](caf::error& e) {
        std::cerr << "subscribe failed: " << sys.render(e) << "\n";
      });

    rpc_request req;
    tl::writer w{req.body};
    w.write_uint32(help_get_nearest_dc);
    self->request(pool, 30s, invoke_atom::value, opt.dc, std::move(req))
      .receive(
        [&](const rpc_response& r) {
          tl::reader rd{r.bytes};
          if (rd.read_uint32("constructor") != nearest_dc) {
            std::cerr << "unexpected answer of " << r.bytes.size() << " bytes\n";
            return;
          }
          auto country = rd.read_string("country");
          auto this_dc = rd.read_int32("this_dc");
          auto nearest = rd.read_int32("nearest_dc");
          say("nearestDc: country=" + country + " this_dc=" + std::to_string(this_dc)
              + " nearest_dc=" + std::to_string(nearest));
          status = 0;
        },
        [&](caf::error& e) { std::cerr << "invoke failed: " << sys.render(e) << "\n"; });

    if (!opt.bot_token.empty()) {
      // Log in as a bot on the home DC (DC 0: the pool's home DC).
      rpc_request login;
      tl::writer lw{login.body};
      lw.write_uint32(import_bot_authorization);
      lw.write_int32(0);
      lw.write_int32(opt.api_id);
      lw.write_string("api-hash-from-my.telegram.org");
      lw.write_string(opt.bot_token);
      self->request(pool, 30s, invoke_atom::value, int32_t{0}, std::move(login))
        .receive(
          [&](const rpc_response& r) {
            tl::reader rd{r.bytes};
            if (rd.read_uint32("constructor") != auth_authorization) {
              status = 1;
              return;
            }
            rd.read_uint32("flags");
            rd.read_uint32("user constructor");
            rd.read_uint32("user flags");
            rd.read_uint32("user flags2");
            say("logged in as bot " + std::to_string(rd.read_int64("user id")));
          },
          [&](caf::error& e) {
            std::cerr << "login failed: " << sys.render(e) << "\n";
            status = 1;
          });
    }
    if (opt.dc2 != 0) {
      // A method on a second DC: the pool opens a connection (and a key) there.
      rpc_request there;
      tl::writer tw{there.body};
      tw.write_uint32(help_get_nearest_dc);
      self->request(pool, 30s, invoke_atom::value, opt.dc2, std::move(there))
        .receive(
          [&](const rpc_response& r) {
            tl::reader rd{r.bytes};
            rd.read_uint32("constructor");
            rd.read_string("country");
            say("second DC: this_dc=" + std::to_string(rd.read_int32("this_dc")));
          },
          [&](caf::error& e) {
            std::cerr << "second DC failed: " << sys.render(e) << "\n";
            status = 1;
          });
    }

    // Give the listener a moment for updates that follow the answer.
    std::this_thread::sleep_for(300ms);
    self->request(pool, 5s, caf::get_atom::value, stats_atom::value)
      .receive(
        [](const pool_stats& s) {
          for (auto& d : s.dcs)
            say("stats: dc=" + std::to_string(d.dc_id) + " live="
                + std::to_string(d.live_slots) + " answered=" + std::to_string(d.answered)
                + " rtt_median_us=" + std::to_string(d.rtt_median_us));
        },
        [](caf::error&) {});

    // Shutdown: the pool answers anything pending with errc::dropped and
    // closes its connections; then the actor system can end.
    self->send_exit(pool, caf::exit_reason::user_shutdown);
    self->send_exit(listener, caf::exit_reason::user_shutdown);
    self->wait_for(pool, listener);
  }
  return status;
}
