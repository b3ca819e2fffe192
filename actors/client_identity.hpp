// Who the client is, as Telegram wants to hear it in initConnection: the
// pool wraps the first API request of every new MTProto session on every
// connection in invokeWithLayer(layer, initConnection(...)) with these
// values (users send bare API functions).
//
//   pool_config cfg;
//   cfg.identity.api_id = 12345;                 // from my.telegram.org
//   cfg.identity.device_model = "build-server";
//   cfg.identity.app_version = "1.4.0";
//   cfg.identity.params = my_json_value_tl;      // optional: a serialized JSONValue
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <cstdint>
#include <string>

namespace mtsender {

// The API layer of the schema this library ships.
inline constexpr int32_t default_api_layer = 228;

struct client_identity {
  int32_t api_id = 0;
  std::string device_model = "caf-mtsender";
  std::string system_version = "Linux";
  std::string app_version = "0.1";
  std::string system_lang_code = "en";
  std::string lang_pack;                 // "" for third-party apps
  std::string lang_code = "en";
  // initConnection's optional params: a serialized boxed JSONValue (raw TL,
  // e.g. jsonObject with tz_offset), sent as is. Empty: none.
  byte_buffer params;
  int32_t layer = default_api_layer;
};

} // namespace mtsender
