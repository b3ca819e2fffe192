// The TL types of the auth-key handshake (core.telegram.org/mtproto/auth_key)
// as plain structs, for both sides of transport/handshake/.
//
// Same convention as service_types.hpp: every struct has its constructor id
// and four members,
//
//   tl::req_pq_multi q{nonce};
//   q.write(w);                          // boxed: id, then the fields
//   auto res = tl::res_pq::read(r);      // checks the id, throws decode_error
//
// and a TL type with several constructors is a std::variant alias `any_<type>`
// with read_any_<type>() (dispatches on the id, names an unknown one in hex)
// and write_any(). p_q_inner_data#83c95aec (no DC) is not in the published
// schema file but clients still send it, so servers must read it.
// Big numbers (pq, p, q, dh_prime, g_a, g_b) are big-endian byte strings.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>
#include <variant>
#include <vector>

namespace mtsender::tl {

#define MTSENDER_TL_HANDSHAKE_MEMBERS(type)                                    \
  void write(writer& w) const {                                                \
    w.write_uint32(id);                                                        \
    write_bare(w);                                                             \
  }                                                                            \
  void write_bare(writer& w) const;                                            \
  static type read(reader& r) {                                                \
    r.expect_id(id, #type);                                                    \
    return read_bare(r);                                                       \
  }                                                                            \
  static type read_bare(reader& r);                                            \
  friend bool operator==(const type& a, const type& b);                        \
  friend bool operator!=(const type& a, const type& b) { return !(a == b); }

// ------------------------------------------------------------ client requests

struct req_pq {
  static constexpr uint32_t id = 0x60469778;
  int128 nonce{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(req_pq)
};

struct req_pq_multi {
  static constexpr uint32_t id = 0xbe7e8ef1;
  int128 nonce{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(req_pq_multi)
};

struct req_dh_params {
  static constexpr uint32_t id = 0xd712e4be;
  int128 nonce{};
  int128 server_nonce{};
  byte_buffer p;
  byte_buffer q;
  int64_t public_key_fingerprint = 0;
  byte_buffer encrypted_data;
  MTSENDER_TL_HANDSHAKE_MEMBERS(req_dh_params)
};

struct set_client_dh_params {
  static constexpr uint32_t id = 0xf5045f1f;
  int128 nonce{};
  int128 server_nonce{};
  byte_buffer encrypted_data;
  MTSENDER_TL_HANDSHAKE_MEMBERS(set_client_dh_params)
};

// --------------------------------------------------------------------- ResPQ

struct res_pq {
  static constexpr uint32_t id = 0x05162463;
  int128 nonce{};
  int128 server_nonce{};
  byte_buffer pq;
  std::vector<int64_t> server_public_key_fingerprints;
  MTSENDER_TL_HANDSHAKE_MEMBERS(res_pq)
};

// ------------------------------------------------------------ P_Q_inner_data

struct p_q_inner_data {
  static constexpr uint32_t id = 0x83c95aec;
  byte_buffer pq, p, q;
  int128 nonce{};
  int128 server_nonce{};
  int256 new_nonce{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(p_q_inner_data)
};

struct p_q_inner_data_dc {
  static constexpr uint32_t id = 0xa9f55f95;
  byte_buffer pq, p, q;
  int128 nonce{};
  int128 server_nonce{};
  int256 new_nonce{};
  int32_t dc = 0;
  MTSENDER_TL_HANDSHAKE_MEMBERS(p_q_inner_data_dc)
};

struct p_q_inner_data_temp_dc {
  static constexpr uint32_t id = 0x56fddf88;
  byte_buffer pq, p, q;
  int128 nonce{};
  int128 server_nonce{};
  int256 new_nonce{};
  int32_t dc = 0;
  int32_t expires_in = 0;
  MTSENDER_TL_HANDSHAKE_MEMBERS(p_q_inner_data_temp_dc)
};

using any_p_q_inner_data =
  std::variant<p_q_inner_data, p_q_inner_data_dc, p_q_inner_data_temp_dc>;
any_p_q_inner_data read_any_p_q_inner_data(reader& r);
void write_any(writer& w, const any_p_q_inner_data& v);

// ---------------------------------------------------------- Server_DH_Params

struct server_dh_params_fail {
  static constexpr uint32_t id = 0x79cb045d;
  int128 nonce{};
  int128 server_nonce{};
  int128 new_nonce_hash{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(server_dh_params_fail)
};

struct server_dh_params_ok {
  static constexpr uint32_t id = 0xd0e8075c;
  int128 nonce{};
  int128 server_nonce{};
  byte_buffer encrypted_answer;
  MTSENDER_TL_HANDSHAKE_MEMBERS(server_dh_params_ok)
};

using any_server_dh_params = std::variant<server_dh_params_fail, server_dh_params_ok>;
any_server_dh_params read_any_server_dh_params(reader& r);
void write_any(writer& w, const any_server_dh_params& v);

// ------------------------------------------- the encrypted inner DH payloads

struct server_dh_inner_data {
  static constexpr uint32_t id = 0xb5890dba;
  int128 nonce{};
  int128 server_nonce{};
  int32_t g = 0;
  byte_buffer dh_prime;
  byte_buffer g_a;
  int32_t server_time = 0;
  MTSENDER_TL_HANDSHAKE_MEMBERS(server_dh_inner_data)
};

struct client_dh_inner_data {
  static constexpr uint32_t id = 0x6643b654;
  int128 nonce{};
  int128 server_nonce{};
  int64_t retry_id = 0;
  byte_buffer g_b;
  MTSENDER_TL_HANDSHAKE_MEMBERS(client_dh_inner_data)
};

// ------------------------------------------------ Set_client_DH_params_answer

struct dh_gen_ok {
  static constexpr uint32_t id = 0x3bcbf734;
  int128 nonce{};
  int128 server_nonce{};
  int128 new_nonce_hash1{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(dh_gen_ok)
};

struct dh_gen_retry {
  static constexpr uint32_t id = 0x46dc1fb9;
  int128 nonce{};
  int128 server_nonce{};
  int128 new_nonce_hash2{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(dh_gen_retry)
};

struct dh_gen_fail {
  static constexpr uint32_t id = 0xa69dae02;
  int128 nonce{};
  int128 server_nonce{};
  int128 new_nonce_hash3{};
  MTSENDER_TL_HANDSHAKE_MEMBERS(dh_gen_fail)
};

using any_set_client_dh_params_answer = std::variant<dh_gen_ok, dh_gen_retry, dh_gen_fail>;
any_set_client_dh_params_answer read_any_set_client_dh_params_answer(reader& r);
void write_any(writer& w, const any_set_client_dh_params_answer& v);

// ------------------------------------------------ temp key binding (auth.bindTempAuthKey)

struct bind_auth_key_inner {
  static constexpr uint32_t id = 0x75a3f765;
  int64_t nonce = 0;
  int64_t temp_auth_key_id = 0;
  int64_t perm_auth_key_id = 0;
  int64_t temp_session_id = 0;
  int32_t expires_at = 0;
  MTSENDER_TL_HANDSHAKE_MEMBERS(bind_auth_key_inner)
};

#undef MTSENDER_TL_HANDSHAKE_MEMBERS

} // namespace mtsender::tl
