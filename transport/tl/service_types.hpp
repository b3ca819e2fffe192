// MTProto service messages (schema/mtproto.tl) as plain structs.
//
// Every constructor and function of the MTProto service schema except the
// auth-key handshake ones (those live in handshake_types.hpp) has a struct
// here, named after the schema in snake_case, with the same four members:
//
//   tl::pong p{msg_id, ping_id};
//   p.write(w);                     // boxed: constructor id, then the fields
//   p.write_bare(w);                // the fields only
//   auto q = tl::pong::read(r);     // boxed: checks the id, throws decode_error
//   auto b = tl::pong::read_bare(r);
//
// A TL type with several constructors (RpcDropAnswer, DestroySessionRes,
// BadMsgNotification, MsgDetailedInfo, DestroyAuthKeyRes) is a std::variant
// alias named `any_<type>`; read_any_<type>() dispatches on the constructor
// id and reports an unknown one in hex, write_any() writes whichever
// alternative is held. Integers keep the schema's signedness; `bytes`/`string`
// fields own their data (byte_buffer for binary, std::string for text).
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/hex.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mtsender::tl {

// Shared by every boxed read: reads the constructor id and throws
// bad_constructor naming `name` and both ids (in hex) when it differs.
void expect_constructor(reader& r, uint32_t expected, const char* name);

#define MTSENDER_TL_BOXED_MEMBERS(type)                                        \
  void write(writer& w) const {                                                \
    w.write_uint32(id);                                                        \
    write_bare(w);                                                             \
  }                                                                            \
  void write_bare(writer& w) const;                                            \
  static type read(reader& r) {                                                \
    expect_constructor(r, id, #type);                                          \
    return read_bare(r);                                                       \
  }                                                                            \
  static type read_bare(reader& r);                                            \
  friend bool operator==(const type& a, const type& b);                        \
  friend bool operator!=(const type& a, const type& b) { return !(a == b); }

// ---------------------------------------------------------------- constructors

struct rpc_error {
  static constexpr uint32_t id = 0x2144ca19;
  int32_t error_code = 0;
  std::string error_message;
  MTSENDER_TL_BOXED_MEMBERS(rpc_error)
};

struct rpc_answer_unknown {
  static constexpr uint32_t id = 0x5e2ad36e;
  MTSENDER_TL_BOXED_MEMBERS(rpc_answer_unknown)
};

struct rpc_answer_dropped_running {
  static constexpr uint32_t id = 0xcd78e586;
  MTSENDER_TL_BOXED_MEMBERS(rpc_answer_dropped_running)
};

struct rpc_answer_dropped {
  static constexpr uint32_t id = 0xa43ad8b7;
  int64_t msg_id = 0;
  int32_t seq_no = 0;
  int32_t bytes = 0;
  MTSENDER_TL_BOXED_MEMBERS(rpc_answer_dropped)
};

struct future_salt {
  static constexpr uint32_t id = 0x0949d9dc;
  int32_t valid_since = 0;
  int32_t valid_until = 0;
  int64_t salt = 0;
  MTSENDER_TL_BOXED_MEMBERS(future_salt)
};

// `salts:vector<future_salt>` is lower-case in the schema: a BARE vector
// (count only, no 0x1cb5c415) of BARE future_salt (no constructor id).
struct future_salts {
  static constexpr uint32_t id = 0xae500895;
  int64_t req_msg_id = 0;
  int32_t now = 0;
  std::vector<future_salt> salts;
  MTSENDER_TL_BOXED_MEMBERS(future_salts)
};

struct pong {
  static constexpr uint32_t id = 0x347773c5;
  int64_t msg_id = 0;
  int64_t ping_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(pong)
};

struct destroy_session_ok {
  static constexpr uint32_t id = 0xe22045fc;
  int64_t session_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(destroy_session_ok)
};

struct destroy_session_none {
  static constexpr uint32_t id = 0x62d350c9;
  int64_t session_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(destroy_session_none)
};

struct new_session_created {
  static constexpr uint32_t id = 0x9ec20908;
  int64_t first_msg_id = 0;
  int64_t unique_id = 0;
  int64_t server_salt = 0;
  MTSENDER_TL_BOXED_MEMBERS(new_session_created)
};

struct msgs_ack {
  static constexpr uint32_t id = 0x62d6b459;
  std::vector<int64_t> msg_ids;   // boxed Vector<long>
  MTSENDER_TL_BOXED_MEMBERS(msgs_ack)
};

struct bad_msg_notification {
  static constexpr uint32_t id = 0xa7eff811;
  int64_t bad_msg_id = 0;
  int32_t bad_msg_seqno = 0;
  int32_t error_code = 0;   // 16,17 time; 18,19 msg_id; 32,33 seqno; 34,35 content; 48 salt; 64 container
  MTSENDER_TL_BOXED_MEMBERS(bad_msg_notification)
};

struct bad_server_salt {
  static constexpr uint32_t id = 0xedab447b;
  int64_t bad_msg_id = 0;
  int32_t bad_msg_seqno = 0;
  int32_t error_code = 0;   // 48
  int64_t new_server_salt = 0;
  MTSENDER_TL_BOXED_MEMBERS(bad_server_salt)
};

struct msg_resend_req {
  static constexpr uint32_t id = 0x7d861a08;
  std::vector<int64_t> msg_ids;
  MTSENDER_TL_BOXED_MEMBERS(msg_resend_req)
};

struct msgs_state_req {
  static constexpr uint32_t id = 0xda69fb52;
  std::vector<int64_t> msg_ids;
  MTSENDER_TL_BOXED_MEMBERS(msgs_state_req)
};

// `info` holds one status byte per msg_id of the request, in order.
struct msgs_state_info {
  static constexpr uint32_t id = 0x04deb57d;
  int64_t req_msg_id = 0;
  byte_buffer info;
  MTSENDER_TL_BOXED_MEMBERS(msgs_state_info)
};

struct msgs_all_info {
  static constexpr uint32_t id = 0x8cc0d131;
  std::vector<int64_t> msg_ids;
  byte_buffer info;
  MTSENDER_TL_BOXED_MEMBERS(msgs_all_info)
};

struct msg_detailed_info {
  static constexpr uint32_t id = 0x276d3ec6;
  int64_t msg_id = 0;
  int64_t answer_msg_id = 0;
  int32_t bytes = 0;
  int32_t status = 0;
  MTSENDER_TL_BOXED_MEMBERS(msg_detailed_info)
};

struct msg_new_detailed_info {
  static constexpr uint32_t id = 0x809db6df;
  int64_t answer_msg_id = 0;
  int32_t bytes = 0;
  int32_t status = 0;
  MTSENDER_TL_BOXED_MEMBERS(msg_new_detailed_info)
};

// Used bare (its fingerprint is over the bare serialization); the schema gives
// no id, so `id` is the CRC32 of the schema line, as TL defines it.
struct rsa_public_key {
  static constexpr uint32_t id = 0x7a19cb76;
  byte_buffer n;   // big-endian modulus
  byte_buffer e;   // big-endian exponent
  MTSENDER_TL_BOXED_MEMBERS(rsa_public_key)
};

struct destroy_auth_key_ok {
  static constexpr uint32_t id = 0xf660e1d4;
  MTSENDER_TL_BOXED_MEMBERS(destroy_auth_key_ok)
};

struct destroy_auth_key_none {
  static constexpr uint32_t id = 0x0a9f2259;
  MTSENDER_TL_BOXED_MEMBERS(destroy_auth_key_none)
};

struct destroy_auth_key_fail {
  static constexpr uint32_t id = 0xea109b13;
  MTSENDER_TL_BOXED_MEMBERS(destroy_auth_key_fail)
};

// `dummyHttpWait = HttpWait;` has no explicit id: CRC32 of that line.
struct dummy_http_wait {
  static constexpr uint32_t id = 0xc937ca2e;
  MTSENDER_TL_BOXED_MEMBERS(dummy_http_wait)
};

// ------------------------------------------------------------------- functions

struct rpc_drop_answer {   // -> RpcDropAnswer
  static constexpr uint32_t id = 0x58e4a740;
  int64_t req_msg_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(rpc_drop_answer)
};

struct get_future_salts {   // -> FutureSalts
  static constexpr uint32_t id = 0xb921bd04;
  int32_t num = 0;
  MTSENDER_TL_BOXED_MEMBERS(get_future_salts)
};

struct ping {   // -> Pong
  static constexpr uint32_t id = 0x7abe77ec;
  int64_t ping_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(ping)
};

struct ping_delay_disconnect {   // -> Pong
  static constexpr uint32_t id = 0xf3427b8c;
  int64_t ping_id = 0;
  int32_t disconnect_delay = 0;   // seconds
  MTSENDER_TL_BOXED_MEMBERS(ping_delay_disconnect)
};

struct destroy_session {   // -> DestroySessionRes
  static constexpr uint32_t id = 0xe7512126;
  int64_t session_id = 0;
  MTSENDER_TL_BOXED_MEMBERS(destroy_session)
};

struct http_wait {   // -> HttpWait
  static constexpr uint32_t id = 0x9299359f;
  int32_t max_delay = 0;
  int32_t wait_after = 0;
  int32_t max_wait = 0;
  MTSENDER_TL_BOXED_MEMBERS(http_wait)
};

struct destroy_auth_key {   // -> DestroyAuthKeyRes
  static constexpr uint32_t id = 0xd1435160;
  MTSENDER_TL_BOXED_MEMBERS(destroy_auth_key)
};

#undef MTSENDER_TL_BOXED_MEMBERS

// --------------------------------------------------------- polymorphic types

using any_rpc_drop_answer =
  std::variant<rpc_answer_unknown, rpc_answer_dropped_running, rpc_answer_dropped>;
using any_destroy_session_res = std::variant<destroy_session_ok, destroy_session_none>;
using any_bad_msg_notification = std::variant<bad_msg_notification, bad_server_salt>;
using any_msg_detailed_info = std::variant<msg_detailed_info, msg_new_detailed_info>;
using any_destroy_auth_key_res =
  std::variant<destroy_auth_key_ok, destroy_auth_key_none, destroy_auth_key_fail>;

// Reads a boxed value of a polymorphic type: the constructor id picks the
// alternative; an id that is none of them throws bad_constructor with
// "unknown constructor #deadbeef for <type_name>" at the id's offset.
template <class Variant>
Variant read_variant(reader& r, const char* type_name);

namespace detail {
template <class Variant, size_t I = 0>
bool read_alternative(reader& r, uint32_t cid, Variant& out) {
  if constexpr (I < std::variant_size_v<Variant>) {
    using alt = std::variant_alternative_t<I, Variant>;
    if (alt::id == cid) {
      out.template emplace<I>(alt::read_bare(r));
      return true;
    }
    return read_alternative<Variant, I + 1>(r, cid, out);
  } else {
    return false;
  }
}
[[noreturn]] void throw_unknown_constructor(size_t offset, uint32_t cid,
                                            const char* type_name);
} // namespace detail

template <class Variant>
Variant read_variant(reader& r, const char* type_name) {
  const auto at = r.position();
  const auto cid = r.read_uint32(type_name);
  Variant out;
  if (!detail::read_alternative(r, cid, out))
    detail::throw_unknown_constructor(at, cid, type_name);
  return out;
}

inline any_rpc_drop_answer read_any_rpc_drop_answer(reader& r) {
  return read_variant<any_rpc_drop_answer>(r, "RpcDropAnswer");
}
inline any_destroy_session_res read_any_destroy_session_res(reader& r) {
  return read_variant<any_destroy_session_res>(r, "DestroySessionRes");
}
inline any_bad_msg_notification read_any_bad_msg_notification(reader& r) {
  return read_variant<any_bad_msg_notification>(r, "BadMsgNotification");
}
inline any_msg_detailed_info read_any_msg_detailed_info(reader& r) {
  return read_variant<any_msg_detailed_info>(r, "MsgDetailedInfo");
}
inline any_destroy_auth_key_res read_any_destroy_auth_key_res(reader& r) {
  return read_variant<any_destroy_auth_key_res>(r, "DestroyAuthKeyRes");
}

// Writes whichever alternative `v` holds, boxed.
template <class... Ts>
void write_any(writer& w, const std::variant<Ts...>& v) {
  std::visit([&w](const auto& x) { x.write(w); }, v);
}

// ------------------------------------------------------------------ for logs

// The schema name of any constructor or function id MTProto uses on the wire
// (service types, handshake types, rpc_result, msg_container, msg_copy,
// gzip_packed, vector, Bool, the API wrappers), or nullptr if unknown.
const char* service_type_name(uint32_t id) noexcept;

// service_type_name(id) if known, otherwise "#" + 8 hex digits.
std::string describe_constructor(uint32_t id);

// The name of the constructor a body starts with ("<empty>"/"<short>" when
// it has fewer than 4 bytes). Never throws on bad input; for logs.
std::string describe_body(byte_view body);

} // namespace mtsender::tl
