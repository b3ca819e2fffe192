#include "mtsender/transport/session/events.hpp"

namespace mtsender::session {

const char* to_string(ignore_reason r) noexcept {
  switch (r) {
    case ignore_reason::duplicate: return "duplicate";
    case ignore_reason::too_old: return "too_old";
    case ignore_reason::too_new: return "too_new";
    case ignore_reason::even_msg_id: return "even_msg_id";
    case ignore_reason::malformed: return "malformed";
    case ignore_reason::unknown_request: return "unknown_request";
    case ignore_reason::unexpected: return "unexpected";
    case ignore_reason::too_large: return "too_large";
  }
  return "unknown ignore_reason";
}

} // namespace mtsender::session
