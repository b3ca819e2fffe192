#include "mtsender/actors/connection_init.hpp"

#include "mtsender/transport/tl/api_wrappers.hpp"

namespace mtsender {

init_heads init_heads::make(const client_identity& id) {
  tl::init_connection_params p;
  p.api_id = id.api_id;
  p.device_model = id.device_model;
  p.system_version = id.system_version;
  p.app_version = id.app_version;
  p.system_lang_code = id.system_lang_code;
  p.lang_pack = id.lang_pack;
  p.lang_code = id.lang_code;
  p.has_params = !id.params.empty();
  p.params = id.params;
  byte_buffer head;
  tl::writer w{head};
  tl::write_invoke_with_layer_header(w, id.layer);
  tl::write_init_connection_header(w, p);
  byte_buffer both = head;
  tl::writer bw{both};
  tl::write_invoke_without_updates_header(bw);
  byte_buffer alone;
  tl::writer aw{alone};
  tl::write_invoke_without_updates_header(aw);
  init_heads h;
  h.init = std::make_shared<const byte_buffer>(std::move(head));
  h.init_without_updates = std::make_shared<const byte_buffer>(std::move(both));
  h.without_updates = std::make_shared<const byte_buffer>(std::move(alone));
  return h;
}

std::shared_ptr<const byte_buffer> connection_init::head_for(byte_view body, uint64_t token,
                                                             bool quiet_request) {
  if (!heads_)
    return nullptr;
  bool has_init = false;
  bool has_no_updates = false;
  if (body.size() >= 4 && tl::is_query_wrapper(load_le32(body.data()))) {
    try {
      auto u = tl::unwrap_query(body);
      has_init = u.init_connection.has_value();
      has_no_updates = u.without_updates;
    } catch (const std::exception&) {
      // The server will say what is wrong with it; wrap it like any other.
    }
  }
  const bool quiet = (without_updates_ || quiet_request) && !has_no_updates;
  if (has_init || init_sent_) {
    if (has_init && !init_sent_) {
      init_sent_ = true;   // the caller's own init counts
      init_token_ = token;
      init_msg_id_ = 0;
    }
    return quiet ? heads_->without_updates : nullptr;
  }
  init_sent_ = true;
  init_token_ = token;
  init_msg_id_ = 0;
  ++inits_;
  return quiet ? heads_->init_without_updates : heads_->init;
}

std::shared_ptr<const byte_buffer> connection_init::reinit_head(uint64_t token, bool quiet) {
  if (!heads_)
    return nullptr;
  init_sent_ = true;
  init_token_ = token;
  init_msg_id_ = 0;
  ++inits_;
  return without_updates_ || quiet ? heads_->init_without_updates : heads_->init;
}

void connection_init::on_sent(uint64_t token, uint64_t msg_id) noexcept {
  if (token == init_token_ && msg_id != 0)
    init_msg_id_ = msg_id;
}

void connection_init::on_new_session(uint64_t first_msg_id, bool init_still_queued) noexcept {
  if (!init_sent_)
    return;
  // The init is part of the new session if it went out at or after the
  // session's first message, or has not gone out yet.
  if (init_still_queued || (init_msg_id_ != 0 && init_msg_id_ >= first_msg_id))
    return;
  init_sent_ = false;
  init_token_ = 0;
  init_msg_id_ = 0;
}

bool connection_init::needs_reinit(int32_t code, const std::string& message) noexcept {
  return code == 400
         && (message == "CONNECTION_NOT_INITED" || message == "CONNECTION_LAYER_INVALID");
}

} // namespace mtsender
