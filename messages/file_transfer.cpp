#include "mtsender/messages/file_transfer.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

namespace mtsender {

const char* to_string(file_transfer_errc x) noexcept {
  switch (x) {
    case file_transfer_errc::cancelled: return "cancelled";
    case file_transfer_errc::io_failed: return "io_failed";
    case file_transfer_errc::bad_request: return "bad_request";
    case file_transfer_errc::cdn_hash_mismatch: return "cdn_hash_mismatch";
    case file_transfer_errc::not_authorized: return "not_authorized";
    case file_transfer_errc::protocol_violation: return "protocol_violation";
  }
  return "unknown_file_transfer_errc";
}

caf::error make_error(file_transfer_errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), file_error_category,
                    caf::make_message(std::move(what))};
}

std::string render_file_error(uint8_t code, caf::atom_value, const caf::message& ctx) {
  std::string out = "file_transfer_error(";
  out += to_string(static_cast<file_transfer_errc>(code));
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    out += ", \"" + ctx.get_as<std::string>(0) + '"';
  return out + ')';
}

void add_file_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<upload_request>("mtsender_upload_request");
  cfg.add_message_type<upload_result>("mtsender_upload_result");
  cfg.add_message_type<download_request>("mtsender_download_request");
  cfg.add_message_type<download_result>("mtsender_download_result");
  cfg.add_message_type<transfer_progress>("mtsender_transfer_progress");
  cfg.add_error_category(file_error_category, render_file_error);
}

} // namespace mtsender
