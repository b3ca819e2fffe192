// quickstart: the smallest complete use of caf-mtsender.
//
// Spawns the DC pool inside an actor system, subscribes a listener that
// prints every event the pool reports (connection up, new auth key, updates
// decoded as api::Updates), calls help.getNearestDc and help.getConfig (in
// invokeWithLayer(initConnection(...)), as a client's first call) with the
// typed API and prints the answers, then shuts down cleanly.
//
//   quickstart                                  # Telegram production DC 2
//   quickstart --host 127.0.0.1 --port 4430 --dc 2 --key test.pub.pem
//              [--session FILE]                 # keep the auth key between runs
//              [--api-id N]                     # for initConnection (my.telegram.org)
//
// Exit status: 0 on an answer, 1 on an RPC error, 2 on bad arguments.
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/api/help/getConfig.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/api/initConnection.hpp"
#include "mtsender/api/invokeWithLayer.hpp"
#include "mtsender/api/layer.hpp"
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
  int32_t api_id = 0;
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
    else if (a == "--api-id")
      o.api_id = std::stoi(value());
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
    // api::nearestDc, the one constructor of NearestDc).
    invoke(self, pool, opt.dc, api::help::getNearestDc{})
      .receive(
        [&](api::nearestDc& n) {
          say("nearestDc: country=" + n.country + " this_dc=" + std::to_string(n.this_dc)
              + " nearest_dc=" + std::to_string(n.nearest_dc));
          status = 0;
        },
        [&](caf::error& e) { std::cerr << "invoke failed: " << sys.render(e) << "\n"; });

    // A client's first call names its layer and introduces itself; the
    // wrappers are generic over the query and give its result (api::config).
    api::invokeWithLayer<api::initConnection<api::help::getConfig>> get_config;
    get_config.layer = api::layer;
    auto& init = get_config.query;
    init.api_id = opt.api_id;
    init.device_model = "caf-mtsender quickstart";
    init.system_version = "C++17";
    init.app_version = "0.1";
    init.system_lang_code = "en";
    init.lang_code = "en";
    invoke(self, pool, opt.dc, get_config)
      .receive(
        [&](api::config& cfg) {
          say("config: this_dc=" + std::to_string(cfg.this_dc) + " dc_options="
              + std::to_string(cfg.dc_options.size()) + " message_length_max="
              + std::to_string(cfg.message_length_max));
        },
        [&](caf::error& e) { std::cerr << "help.getConfig failed: " << sys.render(e) << "\n"; });

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
