// What a msgs_state_info status byte says about one of our messages.
//
// After a reconnect the client asks msgs_state_req for the requests that got
// no answer; the server answers one byte per msg_id
// (core.telegram.org/mtproto/service_messages_about_messages): the low three
// bits say whether it got the message, the high bits add detail.
#pragma once

#include <cstdint>
#include <string>

namespace mtsender::session {

enum class msg_delivery : uint8_t {
  unknown = 1,            // nothing known (id too old: the server may have forgotten it)
  not_received = 2,       // id within the stored range, certainly not received
  not_received_yet = 3,   // id too high, certainly not received yet
  received = 4,           // received (this also acks it)
  invalid = 0,            // any other value in the low bits
};

struct msg_state {
  msg_delivery delivery = msg_delivery::invalid;
  bool ack_received = false;        // +8: the server got our ack of its answer
  bool no_ack_required = false;     // +16
  bool processing = false;          // +32: the RPC is running or done
  bool answer_generated = false;    // +64: an answer exists
  bool known_received = false;      // +128: the server knows we got the answer

  // The server certainly never got the message: sending it again cannot
  // execute it twice.
  bool safe_to_resend() const noexcept {
    return delivery == msg_delivery::not_received
           || delivery == msg_delivery::not_received_yet;
  }
};

// What the server said of the message, in words for error messages.
inline std::string describe(const msg_state& s) {
  switch (s.delivery) {
    case msg_delivery::received:
      return s.answer_generated ? "received, answer generated"
             : s.processing     ? "received, running"
                                : "received";
    case msg_delivery::unknown:
      return "nothing known, the server may have forgotten it";
    case msg_delivery::not_received:
    case msg_delivery::not_received_yet:
      return "not received";
    case msg_delivery::invalid:
      break;
  }
  return "no usable state in the server's answer";
}

constexpr msg_state decode_msg_state(uint8_t b) noexcept {
  msg_state s;
  const uint8_t low = b & 7;
  s.delivery = low >= 1 && low <= 4 ? msg_delivery(low) : msg_delivery::invalid;
  s.ack_received = b & 8;
  s.no_ack_required = b & 16;
  s.processing = b & 32;
  s.answer_generated = b & 64;
  s.known_received = b & 128;
  return s;
}

} // namespace mtsender::session
