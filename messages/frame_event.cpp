#include "mtsender/messages/frame_event.hpp"

namespace mtsender {

const char* to_string(frame_event_kind k) noexcept {
  switch (k) {
    case frame_event_kind::update: return "update";
    case frame_event_kind::connection_up: return "connection_up";
    case frame_event_kind::connection_down: return "connection_down";
    case frame_event_kind::new_session: return "new_session";
    case frame_event_kind::auth_key_created: return "auth_key_created";
    case frame_event_kind::auth_key_unknown: return "auth_key_unknown";
    case frame_event_kind::circuit_state: return "circuit_state";
    case frame_event_kind::gap: return "gap";
    case frame_event_kind::updates_moved: return "updates_moved";
    case frame_event_kind::dc_table_changed: return "dc_table_changed";
    case frame_event_kind::home_dc_changed: return "home_dc_changed";
  }
  return "unknown_frame_event_kind";
}

} // namespace mtsender
