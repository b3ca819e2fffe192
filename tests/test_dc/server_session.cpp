#include "mtsender/tests/test_dc/server_session.hpp"

namespace mtsender::test_dc {

void server_session::record_received(int64_t msg_id, uint8_t flags) {
  received_[msg_id] = flags;
  while (received_.size() > received_cap) {
    forgotten_below_ = received_.begin()->first + 1;
    received_.erase(received_.begin());
  }
  if (msg_id > last_msg_id)
    last_msg_id = msg_id;
}

void server_session::mark(int64_t msg_id, uint8_t flags) {
  auto it = received_.find(msg_id);
  if (it != received_.end())
    it->second |= flags;
}

uint8_t server_session::state_of(int64_t msg_id, bool too_high) const {
  // Status byte per core.telegram.org/mtproto/service_messages_about_messages.
  auto it = received_.find(msg_id);
  if (it == received_.end()) {
    if (msg_id < forgotten_below_ || msg_id < first_msg_id)
      return 1;   // nothing known: forgotten, or from before the session began
    return too_high ? 3 : 2;
  }
  uint8_t s = 4;
  if (!(it->second & content_flag))
    s |= 16;
  if (it->second & query_flag)
    s |= 32;
  if (it->second & answered_flag)
    s |= 64;
  return s;
}

void server_session::remember_sent(int64_t msg_id, sent_message m) {
  sent[msg_id] = std::move(m);
  while (sent.size() > sent_cap)
    sent.erase(sent.begin());
  if (answered.size() > sent_cap)
    answered.erase(answered.begin());
}

} // namespace mtsender::test_dc
