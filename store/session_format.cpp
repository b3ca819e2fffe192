#include "mtsender/store/session_format.hpp"

#include "mtsender/store/store_error.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/session/clock.hpp"

#include <cstring>
#include <string>

namespace mtsender::store {
namespace {

constexpr uint8_t magic[4] = {'M', 'T', 'S', 'S'};
constexpr size_t max_entries = 4096;     // far above any real DC count; bounds a hostile file
constexpr size_t max_host = 1024;

void put_u16(byte_buffer& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(byte_buffer& b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(byte_buffer& b, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Bounds-checked reader over the payload; every failure names the field.
class cursor {
public:
  explicit cursor(byte_view b) : b_(b) {}
  uint64_t uint(size_t n, const char* field) {
    need(n, field);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= uint64_t(b_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  byte_buffer bytes(size_t n, const char* field) {
    need(n, field);
    byte_buffer out(b_.data() + pos_, b_.data() + pos_ + n);
    pos_ += n;
    return out;
  }
  bool at_end() const { return pos_ == b_.size(); }
  size_t pos() const { return pos_; }

private:
  void need(size_t n, const char* field) {
    if (b_.size() - pos_ < n)
      throw store_error(store_errc::malformed, std::string(field) + " runs past the payload at offset "
                                                 + std::to_string(pos_));
  }
  byte_view b_;
  size_t pos_ = 0;
};

} // namespace

const char* to_string(store_errc c) noexcept {
  switch (c) {
    case store_errc::io_failed: return "io_failed";
    case store_errc::bad_magic: return "bad_magic";
    case store_errc::unsupported_version: return "unsupported_version";
    case store_errc::truncated: return "truncated";
    case store_errc::bad_checksum: return "bad_checksum";
    case store_errc::malformed: return "malformed";
    case store_errc::bad_string_session: return "bad_string_session";
    case store_errc::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

byte_buffer encode_session_file(const session_data& data) {
  // Never write what decode_session_file would refuse.
  if (data.addresses.size() > max_entries || data.keys.size() > max_entries)
    throw store_error(store_errc::invalid_argument,
                      std::to_string(data.addresses.size()) + " addresses and "
                        + std::to_string(data.keys.size()) + " keys (at most "
                        + std::to_string(max_entries) + " each)");
  bool flags = false;
  for (auto& k : data.keys)
    flags = flags || k.authorized;
  bool routes = false;
  for (auto& a : data.addresses) {
    if (!a.secret.empty() && a.secret.size() != 16)
      throw store_error(store_errc::invalid_argument,
                        "secret of DC " + std::to_string(a.dc_id) + " has "
                          + std::to_string(a.secret.size()) + " bytes, not 16");
    routes = routes || a.obfuscated_only || !a.secret.empty();
  }
  flags = flags || routes;   // version 3 carries the key flags too
  byte_buffer payload;
  put_u32(payload, static_cast<uint32_t>(data.main_dc));
  put_u32(payload, static_cast<uint32_t>(data.addresses.size()));
  for (auto& a : data.addresses) {
    if (a.host.size() > max_host)
      throw store_error(store_errc::invalid_argument,
                        "host of DC " + std::to_string(a.dc_id) + " is longer than 1024 bytes");
    put_u32(payload, static_cast<uint32_t>(a.dc_id));
    put_u16(payload, a.port);
    put_u16(payload, static_cast<uint16_t>(a.host.size()));
    payload.insert(payload.end(), a.host.begin(), a.host.end());
    if (routes) {
      payload.push_back(a.obfuscated_only ? 1 : 0);
      payload.push_back(static_cast<uint8_t>(a.secret.size()));
      payload.insert(payload.end(), a.secret.begin(), a.secret.end());
    }
  }
  put_u32(payload, static_cast<uint32_t>(data.keys.size()));
  for (auto& k : data.keys) {
    if (k.auth_key.size() != 256)
      throw store_error(store_errc::invalid_argument,
                        "auth key of DC " + std::to_string(k.dc_id) + " has "
                          + std::to_string(k.auth_key.size()) + " bytes, not 256");
    if (!session::time_offset_in_range(k.time_offset_ns))
      throw store_error(store_errc::invalid_argument,
                        "time_offset_ns " + std::to_string(k.time_offset_ns) + " of DC "
                          + std::to_string(k.dc_id) + " is beyond 2^31 seconds");
    put_u32(payload, static_cast<uint32_t>(k.dc_id));
    payload.insert(payload.end(), k.auth_key.begin(), k.auth_key.end());
    put_u64(payload, static_cast<uint64_t>(k.server_salt));
    put_u64(payload, static_cast<uint64_t>(k.time_offset_ns));
    if (flags)
      payload.push_back(k.authorized ? 1 : 0);
  }

  byte_buffer out(magic, magic + 4);
  put_u32(out, routes  ? session_file_version
               : flags ? session_file_version_2
                       : session_file_version_1);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  auto digest = crypto::sha256::hash(out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

session_data decode_session_file(byte_view bytes) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), magic, 4) != 0)
    throw store_error(bytes.size() < 4 ? store_errc::truncated : store_errc::bad_magic,
                      bytes.size() < 4 ? "file has " + std::to_string(bytes.size())
                                           + " bytes, shorter than the magic"
                                       : "file does not start with \"MTSS\"");
  if (bytes.size() < session_file_header + session_file_trailer)
    throw store_error(store_errc::truncated, "file has " + std::to_string(bytes.size())
                                               + " bytes, shorter than header and checksum");
  const uint32_t version = load_le32(bytes.data() + 4);
  if (version < session_file_version_1 || version > session_file_version)
    throw store_error(store_errc::unsupported_version,
                      "version " + std::to_string(version) + ", this build reads 1 to "
                        + std::to_string(session_file_version));
  const uint64_t length = load_le32(bytes.data() + 8);
  const uint64_t expected = session_file_header + length + session_file_trailer;
  if (bytes.size() < expected)
    throw store_error(store_errc::truncated, "header declares " + std::to_string(length)
                                               + " payload bytes; file has "
                                               + std::to_string(bytes.size()) + " bytes, needs "
                                               + std::to_string(expected));
  if (bytes.size() > expected)
    throw store_error(store_errc::malformed, std::to_string(bytes.size() - expected)
                                               + " bytes after the checksum");
  const size_t body = session_file_header + length;
  auto digest = crypto::sha256::hash(byte_view{bytes.data(), body});
  if (std::memcmp(digest.data(), bytes.data() + body, digest.size()) != 0)
    throw store_error(store_errc::bad_checksum, "SHA-256 of the contents does not match");

  cursor c{byte_view{bytes.data() + session_file_header, static_cast<size_t>(length)}};
  session_data d;
  d.main_dc = static_cast<int32_t>(c.uint(4, "main_dc"));
  const size_t n_addr = c.uint(4, "address count");
  if (n_addr > max_entries)
    throw store_error(store_errc::malformed, std::to_string(n_addr) + " addresses (at most "
                                               + std::to_string(max_entries) + ")");
  for (size_t i = 0; i < n_addr; ++i) {
    dc_address a;
    a.dc_id = static_cast<int32_t>(c.uint(4, "address dc_id"));
    a.port = static_cast<uint16_t>(c.uint(2, "address port"));
    const size_t len = c.uint(2, "host length");
    if (len > max_host)
      throw store_error(store_errc::malformed, "host of " + std::to_string(len) + " bytes");
    auto host = c.bytes(len, "host");
    a.host.assign(host.begin(), host.end());
    if (version >= 3) {
      const auto f = c.uint(1, "address flags");
      if (f > 1)
        throw store_error(store_errc::malformed, "address flags " + std::to_string(f) + " of DC "
                                                   + std::to_string(a.dc_id)
                                                   + " (only bit 0 is defined)");
      a.obfuscated_only = f == 1;
      const size_t slen = c.uint(1, "secret length");
      if (slen != 0 && slen != 16)
        throw store_error(store_errc::malformed, "secret of " + std::to_string(slen)
                                                   + " bytes for DC " + std::to_string(a.dc_id)
                                                   + " (0 or 16)");
      a.secret = c.bytes(slen, "secret");
    }
    if (d.address(a.dc_id))
      throw store_error(store_errc::malformed, "DC " + std::to_string(a.dc_id)
                                                 + " has two addresses");
    d.addresses.push_back(std::move(a));
  }
  const size_t n_keys = c.uint(4, "key count");
  if (n_keys > max_entries)
    throw store_error(store_errc::malformed, std::to_string(n_keys) + " keys (at most "
                                               + std::to_string(max_entries) + ")");
  for (size_t i = 0; i < n_keys; ++i) {
    dc_key k;
    k.dc_id = static_cast<int32_t>(c.uint(4, "key dc_id"));
    k.auth_key = c.bytes(256, "auth_key");
    k.server_salt = static_cast<int64_t>(c.uint(8, "server_salt"));
    k.time_offset_ns = static_cast<int64_t>(c.uint(8, "time_offset_ns"));
    if (version >= 2) {
      const auto f = c.uint(1, "key flags");
      if (f > 1)
        throw store_error(store_errc::malformed, "key flags " + std::to_string(f) + " of DC "
                                                   + std::to_string(k.dc_id) + " (only bit 0 is defined)");
      k.authorized = f == 1;
    }
    // The same bound as saved session state: a larger offset would overflow
    // every msg_id computed from it.
    if (!session::time_offset_in_range(k.time_offset_ns))
      throw store_error(store_errc::malformed,
                        "time_offset_ns " + std::to_string(k.time_offset_ns) + " of DC "
                          + std::to_string(k.dc_id) + " is beyond 2^31 seconds");
    if (d.key(k.dc_id))
      throw store_error(store_errc::malformed, "DC " + std::to_string(k.dc_id) + " has two keys");
    d.keys.push_back(std::move(k));
  }
  if (!c.at_end())
    throw store_error(store_errc::malformed, "payload has bytes after the last key at offset "
                                               + std::to_string(c.pos()));
  return d;
}

} // namespace mtsender::store
