#include "mtsender/transport/tl/handshake_types.hpp"

#include "mtsender/transport/hex.hpp"

namespace mtsender::tl {

namespace {

void write_bytes(writer& w, const byte_buffer& b) { w.write_bytes(byte_view{b}); }
byte_buffer read_bytes(reader& r, const char* what) { return r.read_bytes(what).to_buffer(); }

[[noreturn]] void unknown_constructor(reader& r, uint32_t id, const char* type) {
  throw decode_error(decode_errc::bad_constructor, r.position() - 4,
                     std::string("unknown ") + type + " constructor " + hex_id(id));
}

} // namespace

// ------------------------------------------------------------------ req_pq

void req_pq::write_bare(writer& w) const { w.write_int128(nonce); }
req_pq req_pq::read_bare(reader& r) { return {r.read_int128("req_pq.nonce")}; }
bool operator==(const req_pq& a, const req_pq& b) { return a.nonce == b.nonce; }

void req_pq_multi::write_bare(writer& w) const { w.write_int128(nonce); }
req_pq_multi req_pq_multi::read_bare(reader& r) {
  return {r.read_int128("req_pq_multi.nonce")};
}
bool operator==(const req_pq_multi& a, const req_pq_multi& b) { return a.nonce == b.nonce; }

// ----------------------------------------------------------- req_DH_params

void req_dh_params::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  write_bytes(w, p);
  write_bytes(w, q);
  w.write_int64(public_key_fingerprint);
  write_bytes(w, encrypted_data);
}
req_dh_params req_dh_params::read_bare(reader& r) {
  req_dh_params x;
  x.nonce = r.read_int128("req_DH_params.nonce");
  x.server_nonce = r.read_int128("req_DH_params.server_nonce");
  x.p = read_bytes(r, "req_DH_params.p");
  x.q = read_bytes(r, "req_DH_params.q");
  x.public_key_fingerprint = r.read_int64("req_DH_params.public_key_fingerprint");
  x.encrypted_data = read_bytes(r, "req_DH_params.encrypted_data");
  return x;
}
bool operator==(const req_dh_params& a, const req_dh_params& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce && a.p == b.p
         && a.q == b.q && a.public_key_fingerprint == b.public_key_fingerprint
         && a.encrypted_data == b.encrypted_data;
}

// ---------------------------------------------------- set_client_DH_params

void set_client_dh_params::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  write_bytes(w, encrypted_data);
}
set_client_dh_params set_client_dh_params::read_bare(reader& r) {
  set_client_dh_params x;
  x.nonce = r.read_int128("set_client_DH_params.nonce");
  x.server_nonce = r.read_int128("set_client_DH_params.server_nonce");
  x.encrypted_data = read_bytes(r, "set_client_DH_params.encrypted_data");
  return x;
}
bool operator==(const set_client_dh_params& a, const set_client_dh_params& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce
         && a.encrypted_data == b.encrypted_data;
}

// ------------------------------------------------------------------- resPQ

void res_pq::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  write_bytes(w, pq);
  w.write_vector_header(uint32_t(server_public_key_fingerprints.size()));
  for (auto fp : server_public_key_fingerprints)
    w.write_int64(fp);
}
res_pq res_pq::read_bare(reader& r) {
  res_pq x;
  x.nonce = r.read_int128("resPQ.nonce");
  x.server_nonce = r.read_int128("resPQ.server_nonce");
  x.pq = read_bytes(r, "resPQ.pq");
  auto n = r.read_vector_header(8, "resPQ.server_public_key_fingerprints");
  x.server_public_key_fingerprints.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    x.server_public_key_fingerprints.push_back(r.read_int64("resPQ fingerprint"));
  return x;
}
bool operator==(const res_pq& a, const res_pq& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce && a.pq == b.pq
         && a.server_public_key_fingerprints == b.server_public_key_fingerprints;
}

// ---------------------------------------------------------- P_Q_inner_data

namespace {

template <class T>
void write_pq_common(writer& w, const T& x) {
  write_bytes(w, x.pq);
  write_bytes(w, x.p);
  write_bytes(w, x.q);
  w.write_int128(x.nonce);
  w.write_int128(x.server_nonce);
  w.write_int256(x.new_nonce);
}

template <class T>
void read_pq_common(reader& r, T& x) {
  x.pq = read_bytes(r, "p_q_inner_data.pq");
  x.p = read_bytes(r, "p_q_inner_data.p");
  x.q = read_bytes(r, "p_q_inner_data.q");
  x.nonce = r.read_int128("p_q_inner_data.nonce");
  x.server_nonce = r.read_int128("p_q_inner_data.server_nonce");
  x.new_nonce = r.read_int256("p_q_inner_data.new_nonce");
}

template <class T>
bool pq_common_equal(const T& a, const T& b) {
  return a.pq == b.pq && a.p == b.p && a.q == b.q && a.nonce == b.nonce
         && a.server_nonce == b.server_nonce && a.new_nonce == b.new_nonce;
}

} // namespace

void p_q_inner_data::write_bare(writer& w) const { write_pq_common(w, *this); }
p_q_inner_data p_q_inner_data::read_bare(reader& r) {
  p_q_inner_data x;
  read_pq_common(r, x);
  return x;
}
bool operator==(const p_q_inner_data& a, const p_q_inner_data& b) {
  return pq_common_equal(a, b);
}

void p_q_inner_data_dc::write_bare(writer& w) const {
  write_pq_common(w, *this);
  w.write_int32(dc);
}
p_q_inner_data_dc p_q_inner_data_dc::read_bare(reader& r) {
  p_q_inner_data_dc x;
  read_pq_common(r, x);
  x.dc = r.read_int32("p_q_inner_data_dc.dc");
  return x;
}
bool operator==(const p_q_inner_data_dc& a, const p_q_inner_data_dc& b) {
  return pq_common_equal(a, b) && a.dc == b.dc;
}

void p_q_inner_data_temp_dc::write_bare(writer& w) const {
  write_pq_common(w, *this);
  w.write_int32(dc);
  w.write_int32(expires_in);
}
p_q_inner_data_temp_dc p_q_inner_data_temp_dc::read_bare(reader& r) {
  p_q_inner_data_temp_dc x;
  read_pq_common(r, x);
  x.dc = r.read_int32("p_q_inner_data_temp_dc.dc");
  x.expires_in = r.read_int32("p_q_inner_data_temp_dc.expires_in");
  return x;
}
bool operator==(const p_q_inner_data_temp_dc& a, const p_q_inner_data_temp_dc& b) {
  return pq_common_equal(a, b) && a.dc == b.dc && a.expires_in == b.expires_in;
}

any_p_q_inner_data read_any_p_q_inner_data(reader& r) {
  auto id = r.read_uint32("P_Q_inner_data constructor");
  switch (id) {
    case p_q_inner_data::id: return p_q_inner_data::read_bare(r);
    case p_q_inner_data_dc::id: return p_q_inner_data_dc::read_bare(r);
    case p_q_inner_data_temp_dc::id: return p_q_inner_data_temp_dc::read_bare(r);
  }
  unknown_constructor(r, id, "P_Q_inner_data");
}

void write_any(writer& w, const any_p_q_inner_data& v) {
  std::visit([&](const auto& x) { x.write(w); }, v);
}

// -------------------------------------------------------- Server_DH_Params

void server_dh_params_fail::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  w.write_int128(new_nonce_hash);
}
server_dh_params_fail server_dh_params_fail::read_bare(reader& r) {
  server_dh_params_fail x;
  x.nonce = r.read_int128("server_DH_params_fail.nonce");
  x.server_nonce = r.read_int128("server_DH_params_fail.server_nonce");
  x.new_nonce_hash = r.read_int128("server_DH_params_fail.new_nonce_hash");
  return x;
}
bool operator==(const server_dh_params_fail& a, const server_dh_params_fail& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce
         && a.new_nonce_hash == b.new_nonce_hash;
}

void server_dh_params_ok::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  write_bytes(w, encrypted_answer);
}
server_dh_params_ok server_dh_params_ok::read_bare(reader& r) {
  server_dh_params_ok x;
  x.nonce = r.read_int128("server_DH_params_ok.nonce");
  x.server_nonce = r.read_int128("server_DH_params_ok.server_nonce");
  x.encrypted_answer = read_bytes(r, "server_DH_params_ok.encrypted_answer");
  return x;
}
bool operator==(const server_dh_params_ok& a, const server_dh_params_ok& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce
         && a.encrypted_answer == b.encrypted_answer;
}

any_server_dh_params read_any_server_dh_params(reader& r) {
  auto id = r.read_uint32("Server_DH_Params constructor");
  switch (id) {
    case server_dh_params_fail::id: return server_dh_params_fail::read_bare(r);
    case server_dh_params_ok::id: return server_dh_params_ok::read_bare(r);
  }
  unknown_constructor(r, id, "Server_DH_Params");
}

void write_any(writer& w, const any_server_dh_params& v) {
  std::visit([&](const auto& x) { x.write(w); }, v);
}

// ------------------------------------------------------ inner DH payloads

void server_dh_inner_data::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  w.write_int32(g);
  write_bytes(w, dh_prime);
  write_bytes(w, g_a);
  w.write_int32(server_time);
}
server_dh_inner_data server_dh_inner_data::read_bare(reader& r) {
  server_dh_inner_data x;
  x.nonce = r.read_int128("server_DH_inner_data.nonce");
  x.server_nonce = r.read_int128("server_DH_inner_data.server_nonce");
  x.g = r.read_int32("server_DH_inner_data.g");
  x.dh_prime = read_bytes(r, "server_DH_inner_data.dh_prime");
  x.g_a = read_bytes(r, "server_DH_inner_data.g_a");
  x.server_time = r.read_int32("server_DH_inner_data.server_time");
  return x;
}
bool operator==(const server_dh_inner_data& a, const server_dh_inner_data& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce && a.g == b.g
         && a.dh_prime == b.dh_prime && a.g_a == b.g_a && a.server_time == b.server_time;
}

void client_dh_inner_data::write_bare(writer& w) const {
  w.write_int128(nonce);
  w.write_int128(server_nonce);
  w.write_int64(retry_id);
  write_bytes(w, g_b);
}
client_dh_inner_data client_dh_inner_data::read_bare(reader& r) {
  client_dh_inner_data x;
  x.nonce = r.read_int128("client_DH_inner_data.nonce");
  x.server_nonce = r.read_int128("client_DH_inner_data.server_nonce");
  x.retry_id = r.read_int64("client_DH_inner_data.retry_id");
  x.g_b = read_bytes(r, "client_DH_inner_data.g_b");
  return x;
}
bool operator==(const client_dh_inner_data& a, const client_dh_inner_data& b) {
  return a.nonce == b.nonce && a.server_nonce == b.server_nonce
         && a.retry_id == b.retry_id && a.g_b == b.g_b;
}

// ---------------------------------------------- Set_client_DH_params_answer

#define MTSENDER_DH_GEN(type, field, name)                                     \
  void type::write_bare(writer& w) const {                                     \
    w.write_int128(nonce);                                                     \
    w.write_int128(server_nonce);                                              \
    w.write_int128(field);                                                     \
  }                                                                            \
  type type::read_bare(reader& r) {                                            \
    type x;                                                                    \
    x.nonce = r.read_int128(name ".nonce");                                    \
    x.server_nonce = r.read_int128(name ".server_nonce");                      \
    x.field = r.read_int128(name "." #field);                                  \
    return x;                                                                  \
  }                                                                            \
  bool operator==(const type& a, const type& b) {                              \
    return a.nonce == b.nonce && a.server_nonce == b.server_nonce              \
           && a.field == b.field;                                              \
  }

MTSENDER_DH_GEN(dh_gen_ok, new_nonce_hash1, "dh_gen_ok")
MTSENDER_DH_GEN(dh_gen_retry, new_nonce_hash2, "dh_gen_retry")
MTSENDER_DH_GEN(dh_gen_fail, new_nonce_hash3, "dh_gen_fail")
#undef MTSENDER_DH_GEN

any_set_client_dh_params_answer read_any_set_client_dh_params_answer(reader& r) {
  auto id = r.read_uint32("Set_client_DH_params_answer constructor");
  switch (id) {
    case dh_gen_ok::id: return dh_gen_ok::read_bare(r);
    case dh_gen_retry::id: return dh_gen_retry::read_bare(r);
    case dh_gen_fail::id: return dh_gen_fail::read_bare(r);
  }
  unknown_constructor(r, id,
                                                       "Set_client_DH_params_answer");
}

void write_any(writer& w, const any_set_client_dh_params_answer& v) {
  std::visit([&](const auto& x) { x.write(w); }, v);
}

// ---------------------------------------------------- bind_auth_key_inner

void bind_auth_key_inner::write_bare(writer& w) const {
  w.write_int64(nonce);
  w.write_int64(temp_auth_key_id);
  w.write_int64(perm_auth_key_id);
  w.write_int64(temp_session_id);
  w.write_int32(expires_at);
}
bind_auth_key_inner bind_auth_key_inner::read_bare(reader& r) {
  bind_auth_key_inner x;
  x.nonce = r.read_int64("bind_auth_key_inner.nonce");
  x.temp_auth_key_id = r.read_int64("bind_auth_key_inner.temp_auth_key_id");
  x.perm_auth_key_id = r.read_int64("bind_auth_key_inner.perm_auth_key_id");
  x.temp_session_id = r.read_int64("bind_auth_key_inner.temp_session_id");
  x.expires_at = r.read_int32("bind_auth_key_inner.expires_at");
  return x;
}
bool operator==(const bind_auth_key_inner& a, const bind_auth_key_inner& b) {
  return a.nonce == b.nonce && a.temp_auth_key_id == b.temp_auth_key_id
         && a.perm_auth_key_id == b.perm_auth_key_id
         && a.temp_session_id == b.temp_session_id && a.expires_at == b.expires_at;
}

} // namespace mtsender::tl
