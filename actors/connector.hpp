// Internal to caf-mtsender: not installed (cmake/mtsender_internal_headers.cmake).
// A TCP connect that never blocks the middleman's I/O thread.
//
// CAF's spawn_client / add_tcp_scribe(host, port) connect synchronously on the
// caller's thread; for a broker that is the one I/O thread every broker of the
// node shares, so one unreachable DC would stall all of them. Instead the
// broker calls start_connect(): a blocking (hence detached: its own thread)
// helper resolves the host, connects non-blocking and poll()s until the
// deadline, parks the connected socket in the shared `connect_slot` and sends
// (conn_done_atom, generation, error_text) to the broker, which takes the fd
// out of the slot and adopts it with add_scribe(fd).
//
// The slot makes hand-over safe when the broker dies first: the broker's
// state marks the slot abandoned on destruction and closes a parked fd; a
// connector that finishes later closes its socket itself.
#pragma once

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace mtsender::detail {

using conn_done_atom = caf::atom_constant<caf::atom("conndone")>;

class connect_slot {
public:
  ~connect_slot();
  // Connector side: keeps fd for the broker, or closes it when abandoned.
  // Returns false when it closed it.
  bool park(int fd);
  // Broker side: the parked fd (or -1); the slot no longer owns it.
  int take();
  // Broker side, when it goes away: later parks close their fd.
  void abandon();

private:
  std::mutex mtx_;
  int fd_ = -1;
  bool abandoned_ = false;
};

// Spawns the helper. `reply_to` gets (conn_done_atom, generation, std::string)
// once: an empty string means the fd is parked in `slot`; otherwise the text
// names why no connection was made (resolve failure, refused, timeout...).
void start_connect(caf::local_actor* self, caf::actor reply_to, std::string host,
                   uint16_t port, std::chrono::milliseconds timeout,
                   uint64_t generation, std::shared_ptr<connect_slot> slot);

} // namespace mtsender::detail
