// The base of every error that transport/ reports.
//
// transport/ throws: a decoder that meets bad input stops at once and the
// caller (the session, the connection actor, the test server) catches
// `transport_error` at its boundary and turns it into an event or a typed
// actor error. Each layer derives its own type with its own code enum, so a
// catch site can tell a truncated TL value from a failed security check
// without parsing the message. what() always names what was wrong and where.
#pragma once

#include <stdexcept>
#include <string>

namespace mtsender {

class transport_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace mtsender
