#include "mtsender/transport/tl/service_types.hpp"

#include "mtsender/transport/tl/api_wrappers.hpp"
#include "mtsender/transport/tl/envelope.hpp"
#include "mtsender/transport/tl/gzip.hpp"

namespace mtsender::tl {

void expect_constructor(reader& r, uint32_t expected, const char* name) {
  const auto at = r.position();
  const auto cid = r.read_uint32(name);
  if (cid != expected)
    throw decode_error(decode_errc::bad_constructor, at,
                       std::string("expected ") + name + " " + hex_id(expected)
                         + ", got " + describe_constructor(cid));
}

namespace detail {

void throw_unknown_constructor(size_t offset, uint32_t cid, const char* type_name) {
  throw decode_error(decode_errc::bad_constructor, offset,
                     "unknown constructor " + hex_id(cid) + " for " + type_name);
}

} // namespace detail

namespace {

// Boxed Vector<long>.
void write_longs(writer& w, const std::vector<int64_t>& v) {
  w.write_vector_header(uint32_t(v.size()));
  for (auto x : v)
    w.write_int64(x);
}

std::vector<int64_t> read_longs(reader& r, const char* what) {
  auto n = r.read_vector_header(8, what);
  std::vector<int64_t> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    out.push_back(r.read_int64(what));
  return out;
}

// Bare vector<future_salt>: count, then bare items of 16 bytes each.
void write_salts(writer& w, const std::vector<future_salt>& v) {
  w.write_bare_vector_header(uint32_t(v.size()));
  for (auto& s : v)
    s.write_bare(w);
}

std::vector<future_salt> read_salts(reader& r, const char* what) {
  auto n = r.read_bare_vector_header(16, what);
  std::vector<future_salt> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    out.push_back(future_salt::read_bare(r));
  return out;
}

} // namespace

void rpc_error::write_bare(writer& w) const {
  w.write_int32(error_code);
  w.write_string(error_message);
}

rpc_error rpc_error::read_bare(reader& r) {
  rpc_error x;
  x.error_code = r.read_int32("rpc_error.error_code");
  x.error_message = r.read_string("rpc_error.error_message");
  return x;
}

bool operator==(const rpc_error& a, const rpc_error& b) {
  return a.error_code == b.error_code && a.error_message == b.error_message;
}

void rpc_answer_unknown::write_bare(writer&) const {}

rpc_answer_unknown rpc_answer_unknown::read_bare(reader&) {
  return {};
}

bool operator==(const rpc_answer_unknown&, const rpc_answer_unknown&) {
  return true;
}

void rpc_answer_dropped_running::write_bare(writer&) const {}

rpc_answer_dropped_running rpc_answer_dropped_running::read_bare(reader&) {
  return {};
}

bool operator==(const rpc_answer_dropped_running&, const rpc_answer_dropped_running&) {
  return true;
}

void rpc_answer_dropped::write_bare(writer& w) const {
  w.write_int64(msg_id);
  w.write_int32(seq_no);
  w.write_int32(bytes);
}

rpc_answer_dropped rpc_answer_dropped::read_bare(reader& r) {
  rpc_answer_dropped x;
  x.msg_id = r.read_int64("rpc_answer_dropped.msg_id");
  x.seq_no = r.read_int32("rpc_answer_dropped.seq_no");
  x.bytes = r.read_int32("rpc_answer_dropped.bytes");
  return x;
}

bool operator==(const rpc_answer_dropped& a, const rpc_answer_dropped& b) {
  return a.msg_id == b.msg_id && a.seq_no == b.seq_no && a.bytes == b.bytes;
}

void future_salt::write_bare(writer& w) const {
  w.write_int32(valid_since);
  w.write_int32(valid_until);
  w.write_int64(salt);
}

future_salt future_salt::read_bare(reader& r) {
  future_salt x;
  x.valid_since = r.read_int32("future_salt.valid_since");
  x.valid_until = r.read_int32("future_salt.valid_until");
  x.salt = r.read_int64("future_salt.salt");
  return x;
}

bool operator==(const future_salt& a, const future_salt& b) {
  return a.valid_since == b.valid_since && a.valid_until == b.valid_until && a.salt == b.salt;
}

void future_salts::write_bare(writer& w) const {
  w.write_int64(req_msg_id);
  w.write_int32(now);
  write_salts(w, salts);
}

future_salts future_salts::read_bare(reader& r) {
  future_salts x;
  x.req_msg_id = r.read_int64("future_salts.req_msg_id");
  x.now = r.read_int32("future_salts.now");
  x.salts = read_salts(r, "future_salts.salts");
  return x;
}

bool operator==(const future_salts& a, const future_salts& b) {
  return a.req_msg_id == b.req_msg_id && a.now == b.now && a.salts == b.salts;
}

void pong::write_bare(writer& w) const {
  w.write_int64(msg_id);
  w.write_int64(ping_id);
}

pong pong::read_bare(reader& r) {
  pong x;
  x.msg_id = r.read_int64("pong.msg_id");
  x.ping_id = r.read_int64("pong.ping_id");
  return x;
}

bool operator==(const pong& a, const pong& b) {
  return a.msg_id == b.msg_id && a.ping_id == b.ping_id;
}

void destroy_session_ok::write_bare(writer& w) const {
  w.write_int64(session_id);
}

destroy_session_ok destroy_session_ok::read_bare(reader& r) {
  destroy_session_ok x;
  x.session_id = r.read_int64("destroy_session_ok.session_id");
  return x;
}

bool operator==(const destroy_session_ok& a, const destroy_session_ok& b) {
  return a.session_id == b.session_id;
}

void destroy_session_none::write_bare(writer& w) const {
  w.write_int64(session_id);
}

destroy_session_none destroy_session_none::read_bare(reader& r) {
  destroy_session_none x;
  x.session_id = r.read_int64("destroy_session_none.session_id");
  return x;
}

bool operator==(const destroy_session_none& a, const destroy_session_none& b) {
  return a.session_id == b.session_id;
}

void new_session_created::write_bare(writer& w) const {
  w.write_int64(first_msg_id);
  w.write_int64(unique_id);
  w.write_int64(server_salt);
}

new_session_created new_session_created::read_bare(reader& r) {
  new_session_created x;
  x.first_msg_id = r.read_int64("new_session_created.first_msg_id");
  x.unique_id = r.read_int64("new_session_created.unique_id");
  x.server_salt = r.read_int64("new_session_created.server_salt");
  return x;
}

bool operator==(const new_session_created& a, const new_session_created& b) {
  return a.first_msg_id == b.first_msg_id && a.unique_id == b.unique_id && a.server_salt == b.server_salt;
}

void msgs_ack::write_bare(writer& w) const {
  write_longs(w, msg_ids);
}

msgs_ack msgs_ack::read_bare(reader& r) {
  msgs_ack x;
  x.msg_ids = read_longs(r, "msgs_ack.msg_ids");
  return x;
}

bool operator==(const msgs_ack& a, const msgs_ack& b) {
  return a.msg_ids == b.msg_ids;
}

void bad_msg_notification::write_bare(writer& w) const {
  w.write_int64(bad_msg_id);
  w.write_int32(bad_msg_seqno);
  w.write_int32(error_code);
}

bad_msg_notification bad_msg_notification::read_bare(reader& r) {
  bad_msg_notification x;
  x.bad_msg_id = r.read_int64("bad_msg_notification.bad_msg_id");
  x.bad_msg_seqno = r.read_int32("bad_msg_notification.bad_msg_seqno");
  x.error_code = r.read_int32("bad_msg_notification.error_code");
  return x;
}

bool operator==(const bad_msg_notification& a, const bad_msg_notification& b) {
  return a.bad_msg_id == b.bad_msg_id && a.bad_msg_seqno == b.bad_msg_seqno && a.error_code == b.error_code;
}

void bad_server_salt::write_bare(writer& w) const {
  w.write_int64(bad_msg_id);
  w.write_int32(bad_msg_seqno);
  w.write_int32(error_code);
  w.write_int64(new_server_salt);
}

bad_server_salt bad_server_salt::read_bare(reader& r) {
  bad_server_salt x;
  x.bad_msg_id = r.read_int64("bad_server_salt.bad_msg_id");
  x.bad_msg_seqno = r.read_int32("bad_server_salt.bad_msg_seqno");
  x.error_code = r.read_int32("bad_server_salt.error_code");
  x.new_server_salt = r.read_int64("bad_server_salt.new_server_salt");
  return x;
}

bool operator==(const bad_server_salt& a, const bad_server_salt& b) {
  return a.bad_msg_id == b.bad_msg_id && a.bad_msg_seqno == b.bad_msg_seqno && a.error_code == b.error_code && a.new_server_salt == b.new_server_salt;
}

void msg_resend_req::write_bare(writer& w) const {
  write_longs(w, msg_ids);
}

msg_resend_req msg_resend_req::read_bare(reader& r) {
  msg_resend_req x;
  x.msg_ids = read_longs(r, "msg_resend_req.msg_ids");
  return x;
}

bool operator==(const msg_resend_req& a, const msg_resend_req& b) {
  return a.msg_ids == b.msg_ids;
}

void msgs_state_req::write_bare(writer& w) const {
  write_longs(w, msg_ids);
}

msgs_state_req msgs_state_req::read_bare(reader& r) {
  msgs_state_req x;
  x.msg_ids = read_longs(r, "msgs_state_req.msg_ids");
  return x;
}

bool operator==(const msgs_state_req& a, const msgs_state_req& b) {
  return a.msg_ids == b.msg_ids;
}

void msgs_state_info::write_bare(writer& w) const {
  w.write_int64(req_msg_id);
  w.write_bytes(info);
}

msgs_state_info msgs_state_info::read_bare(reader& r) {
  msgs_state_info x;
  x.req_msg_id = r.read_int64("msgs_state_info.req_msg_id");
  x.info = r.read_bytes("msgs_state_info.info").to_buffer();
  return x;
}

bool operator==(const msgs_state_info& a, const msgs_state_info& b) {
  return a.req_msg_id == b.req_msg_id && a.info == b.info;
}

void msgs_all_info::write_bare(writer& w) const {
  write_longs(w, msg_ids);
  w.write_bytes(info);
}

msgs_all_info msgs_all_info::read_bare(reader& r) {
  msgs_all_info x;
  x.msg_ids = read_longs(r, "msgs_all_info.msg_ids");
  x.info = r.read_bytes("msgs_all_info.info").to_buffer();
  return x;
}

bool operator==(const msgs_all_info& a, const msgs_all_info& b) {
  return a.msg_ids == b.msg_ids && a.info == b.info;
}

void msg_detailed_info::write_bare(writer& w) const {
  w.write_int64(msg_id);
  w.write_int64(answer_msg_id);
  w.write_int32(bytes);
  w.write_int32(status);
}

msg_detailed_info msg_detailed_info::read_bare(reader& r) {
  msg_detailed_info x;
  x.msg_id = r.read_int64("msg_detailed_info.msg_id");
  x.answer_msg_id = r.read_int64("msg_detailed_info.answer_msg_id");
  x.bytes = r.read_int32("msg_detailed_info.bytes");
  x.status = r.read_int32("msg_detailed_info.status");
  return x;
}

bool operator==(const msg_detailed_info& a, const msg_detailed_info& b) {
  return a.msg_id == b.msg_id && a.answer_msg_id == b.answer_msg_id && a.bytes == b.bytes && a.status == b.status;
}

void msg_new_detailed_info::write_bare(writer& w) const {
  w.write_int64(answer_msg_id);
  w.write_int32(bytes);
  w.write_int32(status);
}

msg_new_detailed_info msg_new_detailed_info::read_bare(reader& r) {
  msg_new_detailed_info x;
  x.answer_msg_id = r.read_int64("msg_new_detailed_info.answer_msg_id");
  x.bytes = r.read_int32("msg_new_detailed_info.bytes");
  x.status = r.read_int32("msg_new_detailed_info.status");
  return x;
}

bool operator==(const msg_new_detailed_info& a, const msg_new_detailed_info& b) {
  return a.answer_msg_id == b.answer_msg_id && a.bytes == b.bytes && a.status == b.status;
}

void rsa_public_key::write_bare(writer& w) const {
  w.write_bytes(n);
  w.write_bytes(e);
}

rsa_public_key rsa_public_key::read_bare(reader& r) {
  rsa_public_key x;
  x.n = r.read_bytes("rsa_public_key.n").to_buffer();
  x.e = r.read_bytes("rsa_public_key.e").to_buffer();
  return x;
}

bool operator==(const rsa_public_key& a, const rsa_public_key& b) {
  return a.n == b.n && a.e == b.e;
}

void destroy_auth_key_ok::write_bare(writer&) const {}

destroy_auth_key_ok destroy_auth_key_ok::read_bare(reader&) {
  return {};
}

bool operator==(const destroy_auth_key_ok&, const destroy_auth_key_ok&) {
  return true;
}

void destroy_auth_key_none::write_bare(writer&) const {}

destroy_auth_key_none destroy_auth_key_none::read_bare(reader&) {
  return {};
}

bool operator==(const destroy_auth_key_none&, const destroy_auth_key_none&) {
  return true;
}

void destroy_auth_key_fail::write_bare(writer&) const {}

destroy_auth_key_fail destroy_auth_key_fail::read_bare(reader&) {
  return {};
}

bool operator==(const destroy_auth_key_fail&, const destroy_auth_key_fail&) {
  return true;
}

void dummy_http_wait::write_bare(writer&) const {}

dummy_http_wait dummy_http_wait::read_bare(reader&) {
  return {};
}

bool operator==(const dummy_http_wait&, const dummy_http_wait&) {
  return true;
}

void rpc_drop_answer::write_bare(writer& w) const {
  w.write_int64(req_msg_id);
}

rpc_drop_answer rpc_drop_answer::read_bare(reader& r) {
  rpc_drop_answer x;
  x.req_msg_id = r.read_int64("rpc_drop_answer.req_msg_id");
  return x;
}

bool operator==(const rpc_drop_answer& a, const rpc_drop_answer& b) {
  return a.req_msg_id == b.req_msg_id;
}

void get_future_salts::write_bare(writer& w) const {
  w.write_int32(num);
}

get_future_salts get_future_salts::read_bare(reader& r) {
  get_future_salts x;
  x.num = r.read_int32("get_future_salts.num");
  return x;
}

bool operator==(const get_future_salts& a, const get_future_salts& b) {
  return a.num == b.num;
}

void ping::write_bare(writer& w) const {
  w.write_int64(ping_id);
}

ping ping::read_bare(reader& r) {
  ping x;
  x.ping_id = r.read_int64("ping.ping_id");
  return x;
}

bool operator==(const ping& a, const ping& b) {
  return a.ping_id == b.ping_id;
}

void ping_delay_disconnect::write_bare(writer& w) const {
  w.write_int64(ping_id);
  w.write_int32(disconnect_delay);
}

ping_delay_disconnect ping_delay_disconnect::read_bare(reader& r) {
  ping_delay_disconnect x;
  x.ping_id = r.read_int64("ping_delay_disconnect.ping_id");
  x.disconnect_delay = r.read_int32("ping_delay_disconnect.disconnect_delay");
  return x;
}

bool operator==(const ping_delay_disconnect& a, const ping_delay_disconnect& b) {
  return a.ping_id == b.ping_id && a.disconnect_delay == b.disconnect_delay;
}

void destroy_session::write_bare(writer& w) const {
  w.write_int64(session_id);
}

destroy_session destroy_session::read_bare(reader& r) {
  destroy_session x;
  x.session_id = r.read_int64("destroy_session.session_id");
  return x;
}

bool operator==(const destroy_session& a, const destroy_session& b) {
  return a.session_id == b.session_id;
}

void http_wait::write_bare(writer& w) const {
  w.write_int32(max_delay);
  w.write_int32(wait_after);
  w.write_int32(max_wait);
}

http_wait http_wait::read_bare(reader& r) {
  http_wait x;
  x.max_delay = r.read_int32("http_wait.max_delay");
  x.wait_after = r.read_int32("http_wait.wait_after");
  x.max_wait = r.read_int32("http_wait.max_wait");
  return x;
}

bool operator==(const http_wait& a, const http_wait& b) {
  return a.max_delay == b.max_delay && a.wait_after == b.wait_after && a.max_wait == b.max_wait;
}

void destroy_auth_key::write_bare(writer&) const {}

destroy_auth_key destroy_auth_key::read_bare(reader&) {
  return {};
}

bool operator==(const destroy_auth_key&, const destroy_auth_key&) {
  return true;
}

// ---------------------------------------------------------------------- names

const char* service_type_name(uint32_t id) noexcept {
  switch (id) {
    // service constructors
    case rpc_error::id: return "rpc_error";
    case rpc_answer_unknown::id: return "rpc_answer_unknown";
    case rpc_answer_dropped_running::id: return "rpc_answer_dropped_running";
    case rpc_answer_dropped::id: return "rpc_answer_dropped";
    case future_salt::id: return "future_salt";
    case future_salts::id: return "future_salts";
    case pong::id: return "pong";
    case destroy_session_ok::id: return "destroy_session_ok";
    case destroy_session_none::id: return "destroy_session_none";
    case new_session_created::id: return "new_session_created";
    case msgs_ack::id: return "msgs_ack";
    case bad_msg_notification::id: return "bad_msg_notification";
    case bad_server_salt::id: return "bad_server_salt";
    case msg_resend_req::id: return "msg_resend_req";
    case msgs_state_req::id: return "msgs_state_req";
    case msgs_state_info::id: return "msgs_state_info";
    case msgs_all_info::id: return "msgs_all_info";
    case msg_detailed_info::id: return "msg_detailed_info";
    case msg_new_detailed_info::id: return "msg_new_detailed_info";
    case rsa_public_key::id: return "rsa_public_key";
    case destroy_auth_key_ok::id: return "destroy_auth_key_ok";
    case destroy_auth_key_none::id: return "destroy_auth_key_none";
    case destroy_auth_key_fail::id: return "destroy_auth_key_fail";
    case dummy_http_wait::id: return "dummyHttpWait";
    // service functions
    case rpc_drop_answer::id: return "rpc_drop_answer";
    case get_future_salts::id: return "get_future_salts";
    case ping::id: return "ping";
    case ping_delay_disconnect::id: return "ping_delay_disconnect";
    case destroy_session::id: return "destroy_session";
    case http_wait::id: return "http_wait";
    case destroy_auth_key::id: return "destroy_auth_key";
    // envelopes
    case rpc_result_id: return "rpc_result";
    case msg_container_id: return "msg_container";
    case msg_copy_id: return "msg_copy";
    case gzip_packed_id: return "gzip_packed";
    case vector_id: return "vector";
    case bool_true_id: return "boolTrue";
    case bool_false_id: return "boolFalse";
    // handshake (structs in handshake_types.hpp)
    case 0x05162463: return "resPQ";
    case 0x83c95aec: return "p_q_inner_data";
    case 0xa9f55f95: return "p_q_inner_data_dc";
    case 0x3c6a84d4: return "p_q_inner_data_temp";
    case 0x56fddf88: return "p_q_inner_data_temp_dc";
    case 0x79cb045d: return "server_DH_params_fail";
    case 0xd0e8075c: return "server_DH_params_ok";
    case 0xb5890dba: return "server_DH_inner_data";
    case 0x6643b654: return "client_DH_inner_data";
    case 0x3bcbf734: return "dh_gen_ok";
    case 0x46dc1fb9: return "dh_gen_retry";
    case 0xa69dae02: return "dh_gen_fail";
    case 0x75a3f765: return "bind_auth_key_inner";
    case 0x60469778: return "req_pq";
    case 0xbe7e8ef1: return "req_pq_multi";
    case 0xd712e4be: return "req_DH_params";
    case 0xf5045f1f: return "set_client_DH_params";
    // API wrappers
    case invoke_with_layer_id: return "invokeWithLayer";
    case init_connection_id: return "initConnection";
    case invoke_after_msg_id: return "invokeAfterMsg";
    case input_client_proxy_id: return "inputClientProxy";
    default: return nullptr;
  }
}

std::string describe_constructor(uint32_t id) {
  if (auto name = service_type_name(id))
    return std::string(name) + hex_id(id);
  return hex_id(id);
}

std::string describe_body(byte_view body) {
  if (body.empty())
    return "<empty>";
  if (body.size() < 4)
    return "<short: " + std::to_string(body.size()) + " bytes>";
  return describe_constructor(load_le32(body.data()));
}

} // namespace mtsender::tl
