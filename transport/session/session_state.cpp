#include "mtsender/transport/session/session_state.hpp"

#include "mtsender/transport/session/clock.hpp"
#include "mtsender/transport/session/session_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <cstring>

namespace mtsender::session {

namespace {

constexpr uint32_t state_magic = 0x5353544d;  // "MTSS" little-endian
constexpr uint32_t state_version = 1;
constexpr uint32_t max_saved_salts = 64;
// 2^31 s (68 years) either way: any real clock error fits, and local time
// plus the offset cannot overflow int64 nanoseconds.
constexpr int64_t max_time_offset_ns = (int64_t(1) << 31) * ns_per_second;

// FNV-1a, 64 bit: catches truncation and bit rot of stored state. Not a MAC:
// whoever can write the file can also write a new auth key.
uint64_t fnv1a64(byte_view data) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : data) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace

session_state session_state::fresh(const crypto::auth_key_bytes& auth_key,
                                   uint64_t server_salt, random_source& random) {
  session_state s;
  s.auth_key = auth_key;
  s.server_salt = server_salt;
  do {
    s.session_id = random.next<uint64_t>();
  } while (s.session_id == 0);
  return s;
}

bool operator==(const session_state& a, const session_state& b) noexcept {
  return a.auth_key == b.auth_key && a.session_id == b.session_id
         && a.server_salt == b.server_salt && a.future_salts == b.future_salts
         && a.time_offset_ns == b.time_offset_ns && a.time_synced == b.time_synced
         && a.seqno == b.seqno && a.last_msg_id == b.last_msg_id;
}

byte_buffer serialize_session_state(const session_state& s) {
  byte_buffer out;
  tl::writer w{out};
  w.write_uint32(state_magic);
  w.write_uint32(state_version);
  w.write_raw(s.auth_key);
  w.write_uint64(s.session_id);
  w.write_uint64(s.server_salt);
  w.write_int64(s.time_offset_ns);
  w.write_uint32(s.time_synced ? 1 : 0);
  w.write_uint32(s.seqno);
  w.write_uint64(s.last_msg_id);
  const size_t n = std::min<size_t>(s.future_salts.size(), max_saved_salts);
  w.write_uint32(uint32_t(n));
  for (size_t i = 0; i < n; ++i) {
    w.write_int32(s.future_salts[i].valid_since);
    w.write_int32(s.future_salts[i].valid_until);
    w.write_uint64(s.future_salts[i].salt);
  }
  w.write_uint64(fnv1a64(out));
  return out;
}

session_state parse_session_state(byte_view bytes) {
  if (bytes.size() < 16)
    throw session_error(session_errc::bad_state,
                        "saved state of " + std::to_string(bytes.size())
                          + " bytes is too short");
  const size_t body = bytes.size() - 8;
  const uint64_t sum = load_le64(bytes.data() + body);
  try {
    tl::reader r{bytes.sub(0, body)};
    if (r.read_uint32("magic") != state_magic)
      throw session_error(session_errc::bad_state, "not saved session state (bad magic)");
    const auto version = r.read_uint32("version");
    if (version != state_version)
      throw session_error(session_errc::bad_state,
                          "unknown saved state version " + std::to_string(version));
    if (fnv1a64(bytes.sub(0, body)) != sum)
      throw session_error(session_errc::bad_state, "checksum mismatch (corrupt state)");
    session_state s;
    auto key = r.read_raw(s.auth_key.size(), "auth_key");
    std::memcpy(s.auth_key.data(), key.data(), key.size());
    s.session_id = r.read_uint64("session_id");
    s.server_salt = r.read_uint64("server_salt");
    s.time_offset_ns = r.read_int64("time_offset_ns");
    if (s.time_offset_ns > max_time_offset_ns || s.time_offset_ns < -max_time_offset_ns)
      throw session_error(session_errc::bad_state,
                          "time_offset_ns " + std::to_string(s.time_offset_ns)
                            + " is beyond 2^31 seconds");
    const auto flags = r.read_uint32("flags");
    if (flags > 1)
      throw session_error(session_errc::bad_state, "unknown flags " + std::to_string(flags));
    s.time_synced = flags & 1;
    s.seqno = r.read_uint32("seqno");
    s.last_msg_id = r.read_uint64("last_msg_id");
    const auto n = r.read_bare_vector_header(16, "future_salts");
    if (n > max_saved_salts)
      throw session_error(session_errc::bad_state,
                          std::to_string(n) + " future salts (at most 64)");
    for (uint32_t i = 0; i < n; ++i) {
      salt_entry e;
      e.valid_since = r.read_int32("valid_since");
      e.valid_until = r.read_int32("valid_until");
      e.salt = r.read_uint64("salt");
      s.future_salts.push_back(e);
    }
    r.expect_end("saved session state");
    if (s.session_id == 0)
      throw session_error(session_errc::bad_state, "session_id is zero");
    return s;
  } catch (const tl::decode_error& e) {
    throw session_error(session_errc::bad_state, e.what());
  }
}

} // namespace mtsender::session
