#include "mtsender/messages/add_message_types.hpp"

#include "mtsender/messages/connection_actor.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/frame_event.hpp"
#include "mtsender/messages/pool_actor.hpp"
#include "mtsender/messages/session_state.hpp"

#include <caf/actor_system_config.hpp>

namespace mtsender {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<error_detail>("mtsender_error_detail");
  cfg.add_message_type<rpc_error>("mtsender_rpc_error");
  cfg.add_message_type<conn_class>("mtsender_conn_class");
  cfg.add_message_type<rpc_options>("mtsender_rpc_options");
  cfg.add_message_type<rpc_request>("mtsender_rpc_request");
  cfg.add_message_type<rpc_response>("mtsender_rpc_response");
  cfg.add_message_type<frame_event_kind>("mtsender_frame_event_kind");
  cfg.add_message_type<frame_event>("mtsender_frame_event");
  cfg.add_message_type<session_state>("mtsender_session_state");
  cfg.add_message_type<connection_stats>("mtsender_connection_stats");
  cfg.add_message_type<connection_actor>("mtsender_connection_actor");
  cfg.add_message_type<listener_overflow>("mtsender_listener_overflow");
  cfg.add_message_type<listener_options>("mtsender_listener_options");
  cfg.add_message_type<reconnect_request>("mtsender_reconnect_request");
  cfg.add_message_type<pool_class_stats>("mtsender_pool_class_stats");
  cfg.add_message_type<refresh_dc_config>("mtsender_refresh_dc_config");
  cfg.add_message_type<known_dc>("mtsender_known_dc");
  cfg.add_message_type<dc_table_snapshot>("mtsender_dc_table_snapshot");
  cfg.add_message_type<pool_dc_stats>("mtsender_pool_dc_stats");
  cfg.add_message_type<pool_stats>("mtsender_pool_stats");
  cfg.add_message_type<dc_pool>("mtsender_dc_pool");
  cfg.add_error_category(error_category, render_error);
  add_file_message_types(cfg);
}

} // namespace mtsender
