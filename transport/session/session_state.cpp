#include "mtsender/transport/session/session_state.hpp"

#include "mtsender/transport/session/clock.hpp"
#include "mtsender/transport/session/session_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <algorithm>
#include <cstring>

namespace mtsender::session {

namespace {

constexpr uint32_t state_magic = 0x5353544d;  // "MTSS" little-endian
constexpr uint32_t state_version = 2;   // 1: without seen_msg_ids
constexpr uint32_t max_saved_salts = 64;

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
         && a.seqno == b.seqno && a.last_msg_id == b.last_msg_id
         && a.seen_msg_ids == b.seen_msg_ids;
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
  // Ascending server (odd) ids, the newest ones: a replay of anything older
  // is below the restored window anyway.
  std::vector<uint64_t> seen;
  seen.reserve(s.seen_msg_ids.size());
  for (auto id : s.seen_msg_ids)
    if (id & 1)
      seen.push_back(id);
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  const size_t skip = seen.size() > max_saved_seen_ids ? seen.size() - max_saved_seen_ids : 0;
  w.write_uint32(uint32_t(seen.size() - skip));
  for (size_t i = skip; i < seen.size(); ++i)
    w.write_uint64(seen[i]);
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
    if (version != state_version && version != 1)
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
    if (!time_offset_in_range(s.time_offset_ns))
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
    if (version >= 2) {
      const auto seen = r.read_bare_vector_header(8, "seen_msg_ids");
      if (seen > max_saved_seen_ids)
        throw session_error(session_errc::bad_state,
                            std::to_string(seen) + " seen msg_ids (at most "
                              + std::to_string(max_saved_seen_ids) + ")");
      s.seen_msg_ids.reserve(seen);
      for (uint32_t i = 0; i < seen; ++i) {
        const uint64_t id = r.read_uint64("seen msg_id");
        if ((id & 1) == 0 || (!s.seen_msg_ids.empty() && id <= s.seen_msg_ids.back()))
          throw session_error(session_errc::bad_state,
                              "seen msg_ids are not odd and strictly ascending");
        s.seen_msg_ids.push_back(id);
      }
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
