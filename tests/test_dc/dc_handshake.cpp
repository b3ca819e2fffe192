// Unencrypted messages: the server side of the auth-key handshake, one
// handshake::server_handshake per connection until it yields a key.
#include "mtsender/tests/test_dc/dc_server.hpp"
#include "mtsender/transport/handshake/plain_message.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/handshake_types.hpp"
#include "mtsender/transport/tl/service_types.hpp"

namespace mtsender::test_dc {

namespace {
handshake_step step_of(uint32_t id) {
  switch (id) {
    case tl::req_pq::id:
    case tl::req_pq_multi::id: return handshake_step::req_pq;
    case tl::req_dh_params::id: return handshake_step::req_dh_params;
    case tl::set_client_dh_params::id: return handshake_step::set_client_dh_params;
    default: return handshake_step::none;
  }
}
} // namespace

void dc_server::on_plain_packet(connection& c, byte_view packet) {
  auto msg = handshake::read_plain_message(packet, handshake::plain_sender::client);
  const uint32_t cid = tl::peek_constructor(msg.body);
  ++counters_.received[cid];
  const auto step = step_of(cid);
  if (step == handshake_step::none) {
    ++counters_.handshakes_failed;
    close(c, "unencrypted message " + tl::describe_constructor(cid)
               + " is not a handshake request");
    return;
  }
  if (step == handshake_step::req_pq) {
    ++counters_.handshakes_started;
    // A client may start over on the same connection.
    handshake::server_config cfg;
    // As on Telegram, a CDN DC with a key of its own presents only that key
    // (clients learn it from help.getCdnConfig), and the other DCs only theirs.
    const auto& o = shared_.opts;
    if (o.cdn_rsa_key && o.files.cdn_dc != 0)
      cfg.keys = {id_ == o.files.cdn_dc ? o.cdn_rsa_key : o.rsa_key};
    else
      cfg.keys = shared_.keys;
    c.handshake = std::make_unique<handshake::server_handshake>(std::move(cfg), rng_);
  }
  if (!c.handshake) {
    ++counters_.handshakes_failed;
    close(c, tl::describe_constructor(cid) + " before req_pq");
    return;
  }
  if (faults_.close_at_handshake == step) {
    ++counters_.faults_injected;
    close(c, std::string("closing at handshake step ") + to_string(step) + " (fault)");
    return;
  }
  handshake::step_result res;
  try {
    res = c.handshake->on_message(msg.body, unix_now_s());
  } catch (const handshake::handshake_error& e) {
    ++counters_.handshakes_failed;
    c.handshake.reset();
    close(c, std::string("handshake failed: ") + e.what());
    return;
  }
  if (!res.send.empty()) {
    byte_buffer out;
    handshake::write_plain_message(next_msg_id(true), res.send, out);
    c.codec->encode(out, c.out);
    ++counters_.frames_sent;
  }
  if (res.status == handshake::step_status::done) {
    const auto& r = c.handshake->result();
    auth_key_record rec;
    rec.key = r.auth_key;
    rng_.fill(reinterpret_cast<uint8_t*>(&rec.salt_seed), sizeof rec.salt_seed);
    rec.first_salt = r.server_salt;
    rec.created = unix_now_s();
    if (r.kind == handshake::inner_data_kind::temp_dc) {
      rec.expires_at = int32_t(rec.created + r.expires_in);
      ++counters_.temp_keys_made;
    }
    keys_[r.auth_key_id] = rec;
    ++counters_.handshakes_completed;
    log(c, "auth key " + to_hex(byte_view{reinterpret_cast<const uint8_t*>(&r.auth_key_id), 8})
             + (r.kind == handshake::inner_data_kind::temp_dc ? " (temporary)" : "")
             + " created");
    c.handshake.reset();
  } else if (res.status == handshake::step_status::failed) {
    ++counters_.handshakes_failed;
    c.handshake.reset();
  }
}

} // namespace mtsender::test_dc
