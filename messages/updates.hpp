// Decoding what the pool reports as an update into the generated Updates
// type, with one call:
//
//   [](const frame_event& ev) -> caf::ok_atom {
//     if (ev.kind == frame_event_kind::update)
//       std::cout << decode_updates(ev) << "\n";   // api::Updates
//     return caf::ok_atom::value;
//   }
//
// Throws tl::decode_error (naming the constructor id and the offset) when the
// body is not a whole Updates object.
#pragma once

#include "mtsender/api/Updates.hpp"
#include "mtsender/messages/frame_event.hpp"

namespace mtsender {

inline api::Updates decode_updates(const frame_event& ev) {
  tl::reader r{ev.body};
  auto u = api::Updates::read(r);
  r.expect_end("Updates");
  return u;
}

} // namespace mtsender
