#include "mtsender/messages/error.hpp"

#include <caf/message.hpp>

namespace mtsender {

const char* to_string(errc x) noexcept {
  switch (x) {
    case errc::rpc_failed: return "rpc_failed";
    case errc::transport_error: return "transport_error";
    case errc::connection_failed: return "connection_failed";
    case errc::connection_lost: return "connection_lost";
    case errc::deadline_exceeded: return "deadline_exceeded";
    case errc::circuit_open: return "circuit_open";
    case errc::dropped: return "dropped";
    case errc::malformed_reply: return "malformed_reply";
    case errc::handshake_failed: return "handshake_failed";
    case errc::overloaded: return "overloaded";
    case errc::invalid_request: return "invalid_request";
    case errc::unknown_dc: return "unknown_dc";
    case errc::server_rejected: return "server_rejected";
    case errc::cancelled: return "cancelled";
  }
  return "unknown_errc";
}

caf::error make_error(errc code, error_detail detail) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(detail))};
}

caf::error make_error(errc code, std::string what) {
  error_detail d;
  d.what = std::move(what);
  return make_error(code, std::move(d));
}

caf::error make_rpc_error(rpc_error rpc, int32_t dc_id) {
  error_detail d;
  d.what = "rpc_error " + std::to_string(rpc.code) + " " + rpc.message;
  d.rpc = std::move(rpc);
  d.dc_id = dc_id;
  return make_error(errc::rpc_failed, std::move(d));
}

const error_detail* detail_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return nullptr;
  const caf::message& ctx = err.context();
  if (ctx.size() != 1 || !ctx.match_element<error_detail>(0))
    return nullptr;
  return &ctx.get_as<error_detail>(0);
}

std::string render_error(uint8_t code, caf::atom_value, const caf::message& ctx) {
  std::string out = "mtsender_error(";
  out += to_string(static_cast<errc>(code));
  if (ctx.size() == 1 && ctx.match_element<error_detail>(0)) {
    const auto& d = ctx.get_as<error_detail>(0);
    if (!d.what.empty()) {
      out += ", \"";
      out += d.what;
      out += '"';
    }
    if (d.rpc.code != 0)
      out += ", rpc=" + std::to_string(d.rpc.code) + ":" + d.rpc.message;
    if (d.transport_code != 0)
      out += ", transport_code=" + std::to_string(d.transport_code);
    if (d.may_have_executed)
      out += ", may_have_executed";
    if (d.dc_id != 0)
      out += ", dc=" + std::to_string(d.dc_id);
  } else if (!ctx.empty()) {
    out += ", " + to_string(ctx);
  }
  out += ')';
  return out;
}

} // namespace mtsender
