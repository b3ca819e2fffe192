// Asks the pool to replace a DC's connections (or every DC's): each slot is
// closed and reopened at once, continuing its MTProto session. The pool
// answers caf::ok_atom once every replaced slot is ready again, or an error
// (connection_failed, deadline_exceeded, unknown_dc, dropped).
//
//   self->request(pool, 30s, reconnect_request{2}).receive([](caf::ok_atom) {}, ...);
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace mtsender {

struct reconnect_request {
  int32_t dc_id = 0;           // 0 = every DC that has connections
  int64_t deadline_ms = 0;     // 0 = the pool's default deadline
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconnect_request& x) {
  return f(caf::meta::type_name("mtsender_reconnect_request"), x.dc_id, x.deadline_ms);
}

} // namespace mtsender
