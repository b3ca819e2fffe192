// quickstart: the smallest complete use of caf-mtsender.
//
// Spawns the DC pool inside an actor system, subscribes a listener that
// prints every event the pool reports (connection up, new auth key, updates
// decoded as api::Updates), calls help.getNearestDc and help.getConfig with
// the typed API and prints the answers; with a bot token it logs in
// as the bot (auth.importBotAuthorization on the home DC: the pool follows a
// USER_MIGRATE for you), and with a second DC it calls a method there too
// (after a login also updates.getState, which needs the login: the pool
// carries it over with auth.exportAuthorization / importAuthorization);
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
#include "mtsender/api/User.hpp"
#include "mtsender/api/auth/Authorization.hpp"
#include "mtsender/api/auth/importBotAuthorization.hpp"
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/updates/getState.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/invoke.hpp"
#include "mtsender/messages/updates.hpp"
#include "mtsender/store/file_session_store.hpp"
#include "mtsender/transport/api/printer.hpp"

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
      if (ev.kind == frame_event_kind::update) {
        try {
          line += " " + api::to_string(decode_updates(ev));
        } catch (const std::exception& e) {
          line += " undecodable update of " + std::to_string(ev.body.size()) + " bytes: " + e.what();
        }
      }
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

    // Typed invoke: the function is serialized straight into the request,
    // the answer decoded into its result type (help.getNearestDc gives
    // api::nearestDc, the one constructor of NearestDc). Bare functions: the
    // pool wraps the first one of each session in
    // invokeWithLayer(initConnection(...)) with pc.identity.
    invoke(self, pool, opt.dc, api::help::getNearestDc{})
      .receive(
        [&](api::nearestDc& n) {
          say("nearestDc: country=" + n.country + " this_dc=" + std::to_string(n.this_dc)
              + " nearest_dc=" + std::to_string(n.nearest_dc));
          status = 0;
        },
        [&](caf::error& e) { std::cerr << "invoke failed: " << sys.render(e) << "\n"; });

    invoke(self, pool, opt.dc, api::help::getConfig{})
      .receive(
        [&](api::config& cfg) {
          say("config: this_dc=" + std::to_string(cfg.this_dc) + " dc_options="
              + std::to_string(cfg.dc_options.size()) + " message_length_max="
              + std::to_string(cfg.message_length_max));
        },
        [&](caf::error& e) {
          std::cerr << "help.getConfig failed: " << sys.render(e) << "\n";
          status = 1;
        });

    bool logged_in = false;
    if (!opt.bot_token.empty()) {
      // Log in as a bot on the home DC (DC 0: the pool's home DC).
      api::auth::importBotAuthorization login;
      login.api_id = opt.api_id;
      login.api_hash = "api-hash-from-my.telegram.org";
      login.bot_auth_token = opt.bot_token;
      invoke(self, pool, int32_t{0}, login)
        .receive(
          [&](api::auth::Authorization& a) {
            auto* done = a.get_if<api::auth::authorization>();
            auto* u = done ? done->user.get_if<api::user>() : nullptr;
            if (!u) {
              std::cerr << "login: unexpected " << api::to_string(a) << "\n";
              status = 1;
              return;
            }
            say("logged in as bot " + std::to_string(u->id));
            logged_in = true;
          },
          [&](caf::error& e) {
            std::cerr << "login failed: " << sys.render(e) << "\n";
            status = 1;
          });
    }
    if (opt.dc2 != 0) {
      // A method on a second DC: the pool opens a connection (and a key) there.
      invoke(self, pool, opt.dc2, api::help::getNearestDc{})
        .receive(
          [&](api::nearestDc& n) { say("second DC: this_dc=" + std::to_string(n.this_dc)); },
          [&](caf::error& e) {
            std::cerr << "second DC failed: " << sys.render(e) << "\n";
            status = 1;
          });
      if (logged_in) {
        // A call that needs the login, on the second DC: the pool first
        // exports the authorization from the home DC and imports it there
        // (once; the store remembers it), so it just works.
        invoke(self, pool, opt.dc2, api::updates::getState{})
          .receive(
            [&](api::updates::state& s) {
              say("second DC authorized: updates.state pts=" + std::to_string(s.pts)
                  + " seq=" + std::to_string(s.seq));
            },
            [&](caf::error& e) {
              std::cerr << "updates.getState on the second DC failed: " << sys.render(e) << "\n";
              status = 1;
            });
      }
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
