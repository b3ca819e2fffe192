// remote_pool: one process owns the DC pool, others use it over the network.
//
// CAF's middleman carries the pool's typed messages between processes (and
// machines): the same invoke / listen / stats requests as in quickstart, on a
// handle from remote_actor<dc_pool>. Both sides call add_message_types.
//
//   remote_pool serve --dc 2=127.0.0.1:4430 [--dc 4=...] --rsa-key dc.pub.pem
//                     --port 4242 [--bind 127.0.0.1]
//       spawns the pool, publishes it on BIND:PORT (0: any free port) and
//       prints "published dc_pool on HOST:PORT"; runs until SIGINT/SIGTERM.
//   remote_pool use --port 4242 [--host 127.0.0.1] [--dc 2] [--updates N]
//                   [--wait SECONDS]
//       subscribes a listener that prints updates, invokes help.getNearestDc,
//       prints the pool's stats, then waits until N updates arrived or
//       SECONDS passed (default 0 and 5).
//
// Every request to a remote actor needs a finite timeout: when the pool's
// node goes away, CAF 0.17 answers a pending request only with
// sec::request_timeout (see README, "The pool across CAF nodes").
//
// Exit status: 0 success, 1 an RPC or remote error, 2 bad arguments,
// 3 cannot publish / cannot reach the pool.
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/api/help/getNearestDc.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/invoke.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace mtsender;

namespace {

struct options {
  std::string mode;                  // "serve" or "use"
  std::vector<dc_endpoint> dcs;      // serve
  std::string rsa_key;               // serve
  std::string host = "127.0.0.1";    // serve: address to bind; use: address of the pool
  uint16_t port = 0;
  int32_t dc = 2;                    // use
  int updates = 0;                   // use
  int wait_seconds = 5;              // use
};

// "2=127.0.0.1:4430" -> {2, "127.0.0.1", 4430}
dc_endpoint parse_dc(const std::string& s) {
  auto eq = s.find('='), colon = s.rfind(':');
  if (eq == std::string::npos || colon == std::string::npos || colon < eq)
    throw std::invalid_argument("--dc wants ID=HOST:PORT, got " + s);
  return {std::stoi(s.substr(0, eq)), s.substr(eq + 1, colon - eq - 1),
          static_cast<uint16_t>(std::stoul(s.substr(colon + 1)))};
}

options parse(int argc, char** argv) {
  options o;
  if (argc < 2)
    throw std::invalid_argument("usage: remote_pool serve|use [options]");
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--dc" && o.mode == "serve")
      o.dcs.push_back(parse_dc(value()));
    else if (a == "--dc")
      o.dc = std::stoi(value());
    else if (a == "--rsa-key")
      o.rsa_key = value();
    else if (a == "--host" || a == "--bind")
      o.host = value();
    else if (a == "--port")
      o.port = static_cast<uint16_t>(std::stoul(value()));
    else if (a == "--updates")
      o.updates = std::stoi(value());
    else if (a == "--wait")
      o.wait_seconds = std::stoi(value());
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.mode != "serve" && o.mode != "use")
    throw std::invalid_argument("the first argument is serve or use, not " + o.mode);
  if (o.mode == "serve" && (o.dcs.empty() || o.rsa_key.empty()))
    throw std::invalid_argument("serve needs --dc ID=HOST:PORT and --rsa-key FILE");
  if (o.mode == "use" && o.port == 0)
    throw std::invalid_argument("use needs --port");
  return o;
}

// The config both processes need: the middleman, and our message types.
void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 2);
}

int serve(const options& o) {
  // Signals are taken by sigwait below; CAF's threads inherit this mask.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  pool_config pc;
  pc.dcs = o.dcs;
  pc.rsa_keys = {crypto::rsa_public_key::from_pem_file(o.rsa_key)};

  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto pool = spawn_dc_pool(sys, pc);
  auto port = sys.middleman().publish(pool, o.port, o.host.c_str());
  if (!port) {
    std::cerr << "remote_pool: publish failed: " << sys.render(port.error()) << "\n";
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
    return 3;
  }
  std::cout << "published dc_pool on " << o.host << ":" << *port << std::endl;
  int sig = 0;
  sigwait(&stop, &sig);
  // Pending invokes (also those from other nodes) get errc::dropped.
  caf::scoped_actor self{sys};
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  self->wait_for(pool);
  return 0;
}

// Prints each frame_event, passes updates on to `counter`, and acks: the ack
// travels back to the pool's process and lets it send the next event.
caf::behavior printer(caf::event_based_actor*, caf::actor counter) {
  return {
    [=](const frame_event& ev) -> caf::ok_atom {
      std::cout << "event: dc=" << ev.dc_id << " kind=" << to_string(ev.kind);
      if (ev.kind == frame_event_kind::update)
        std::cout << " update of " << ev.body.size() << " bytes";
      std::cout << std::endl;
      if (ev.kind == frame_event_kind::update)
        caf::anon_send(counter, ev);
      return caf::ok_atom::value;
    },
  };
}

int use(const options& o) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto found = sys.middleman().remote_actor<dc_pool>(o.host, o.port);
  if (!found) {
    std::cerr << "remote_pool: no pool at " << o.host << ":" << o.port << ": "
              << sys.render(found.error()) << "\n";
    return 3;
  }
  dc_pool pool = *found;
  caf::scoped_actor self{sys};
  auto listener = sys.spawn(printer, caf::actor{self});
  int status = 0;
  auto failed = [&](const char* what) {
    return [&, what](caf::error& e) {
      std::cerr << what << " failed: " << sys.render(e) << "\n";
      // The typed detail crossed with the error: no string parsing needed.
      if (auto* d = detail_of(e); d && d->rpc.code != 0)
        std::cerr << "  rpc_error " << d->rpc.code << " " << d->rpc.name << "\n";
      status = 1;
    };
  };

  self->request(pool, 5s, listen_atom::value, listener)
    .receive([](caf::ok_atom) {}, failed("listen"));

  // The typed invoke works on the remote handle as on a local one: the
  // function crosses as its serialized body, the answer is decoded here.
  invoke(self, pool, o.dc, api::help::getNearestDc{}, rpc_options{}, caf::duration{30s})
    .receive(
      [&](api::nearestDc& n) {
        std::cout << "nearestDc: country=" << n.country << " this_dc=" << n.this_dc << std::endl;
      },
      failed("invoke"));

  self->request(pool, 5s, caf::get_atom::value, stats_atom::value)
    .receive(
      [](const pool_stats& s) {
        for (auto& d : s.dcs)
          std::cout << "stats: dc=" << d.dc_id << " live=" << d.live_slots
                    << " answered=" << d.answered << " rtt_median_us=" << d.rtt_median_us
                    << std::endl;
      },
      failed("stats"));

  int received = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_seconds);
  while (status == 0 && received < o.updates && std::chrono::steady_clock::now() < until)
    self->receive([&](const frame_event&) { ++received; }, caf::after(100ms) >> [] {});
  if (received < o.updates) {
    std::cerr << "remote_pool: " << received << " of " << o.updates << " updates arrived\n";
    status = 1;
  }

  // Leave the pool running for others; only our listener goes.
  self->request(pool, 5s, unlisten_atom::value, listener)
    .receive([](caf::ok_atom) {}, failed("unlisten"));
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->wait_for(listener);
  return status;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "remote_pool: " << e.what() << "\n";
    return 2;
  }
  try {
    return o.mode == "serve" ? serve(o) : use(o);
  } catch (const std::exception& e) {  // an unreadable key, a corrupt store, ...
    std::cerr << "remote_pool: " << e.what() << "\n";
    return 3;
  }
}
