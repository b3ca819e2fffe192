#include "mtsender/messages/pool_listener.hpp"

namespace mtsender {

const char* to_string(listener_overflow x) noexcept {
  switch (x) {
    case listener_overflow::drop_oldest: return "drop_oldest";
    case listener_overflow::unsubscribe: return "unsubscribe";
  }
  return "unknown";
}

} // namespace mtsender
