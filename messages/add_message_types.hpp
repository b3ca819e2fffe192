// Registers every caf-mtsender message type and the "mtsender" error category
// with a CAF config, so messages and errors cross CAF nodes. Call it on every
// node, before the actor_system is built:
//
//   caf::actor_system_config cfg;
//   mtsender::add_message_types(cfg);
//   caf::actor_system sys{cfg};
#pragma once

namespace caf {
class actor_system_config;
}

namespace mtsender {

void add_message_types(caf::actor_system_config& cfg);

} // namespace mtsender
