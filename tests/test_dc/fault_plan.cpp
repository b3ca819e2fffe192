#include "mtsender/tests/test_dc/fault_plan.hpp"

#include "mtsender/transport/hex.hpp"

namespace mtsender::test_dc {

const char* to_string(handshake_step s) noexcept {
  switch (s) {
    case handshake_step::none: return "none";
    case handshake_step::req_pq: return "req_pq";
    case handshake_step::req_dh_params: return "req_DH_params";
    case handshake_step::set_client_dh_params: return "set_client_DH_params";
  }
  return "?";
}

const char* to_string(bad_frame b) noexcept {
  switch (b) {
    case bad_frame::none: return "none";
    case bad_frame::corrupted: return "corrupted";
    case bad_frame::truncated: return "truncated";
    case bad_frame::oversized: return "oversized";
    case bad_frame::garbage: return "garbage";
  }
  return "?";
}

std::string describe(const fault_plan& f) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty())
      out += ", ";
    out += s;
  };
  auto times = [](uint32_t n) { return n ? " x" + std::to_string(n) : std::string(); };
  if (f.close_after_frames)
    add("close after " + std::to_string(f.close_after_frames) + " frames");
  if (f.close_at_handshake != handshake_step::none)
    add(std::string("close at ") + to_string(f.close_at_handshake));
  if (f.transport_error)
    add("transport error " + std::to_string(f.transport_error) + times(f.transport_error_times));
  if (f.bad_answer != bad_frame::none)
    add(std::string(to_string(f.bad_answer)) + " answer" + times(f.bad_answer_times));
  if (f.lose_query)
    add("lose query " + hex_id(f.lose_query) + times(f.lose_query_times));
  if (f.refuse_future_salts)
    add("refuse get_future_salts");
  if (f.stall)
    add("stall after " + std::to_string(f.stall_after_frames) + " frames");
  return out.empty() ? "none" : out;
}

} // namespace mtsender::test_dc
