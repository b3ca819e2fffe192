// One TL object to its bytes: `tl::serialize(tl::ping{id})`.
//
// For any type with `void write(tl::writer&) const` (the generated service
// and handshake types). Building into an existing buffer (a container, a
// packet) goes through tl::writer directly instead.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/writer.hpp"

namespace mtsender::tl {

template <class T>
byte_buffer serialize(const T& value) {
  byte_buffer out;
  writer w{out};
  value.write(w);
  return out;
}

} // namespace mtsender::tl
