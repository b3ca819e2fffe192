// libFuzzer target: the parsers of saved sessions: session files
// (store/session_format), Telethon and gramjs string sessions
// (store/string_session, store/base64) and the session's own saved state
// (transport/session/session_state).
//
// Input: one byte picks what the rest is:
//   0 a session file as it is on disk
//   1 a session file's payload; the harness writes the header and the
//     SHA-256 around it (random bytes would never pass the checksum)
//   2 a Telethon string session      3 a gramjs string session
//   4 the bytes behind "1" of a Telethon string (the harness base64s them)
//   5 the same for gramjs
//   6 saved session state            7 its body; the harness appends the checksum
//
// Invariants:
// - bad input throws store_error (session_error for saved state) and
//   nothing else, with the code the format documents (never io_failed or
//   invalid_argument for a parse);
// - what parses, writes back and parses to the same value (a session file in
//   the current version byte for byte), and a string session survives the
//   trip through the other format and through session_data;
// - what parses is usable: every auth key of a session file, and saved
//   state, make a client session whose first packet the server side opens
//   (so no stored value, e.g. a time offset, can break the session later).
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include "mtsender/store/base64.hpp"
#include "mtsender/store/session_format.hpp"
#include "mtsender/store/store_error.hpp"
#include "mtsender/store/string_session.hpp"
#include "mtsender/tests/support/test_random.hpp"
#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/session/client_session.hpp"
#include "mtsender/transport/session/packet_cipher.hpp"
#include "mtsender/transport/session/session_state.hpp"

#include <cstring>
#include <string>

using namespace mtsender;
using namespace mtsender::store;
using mtsender::fuzz::fuzz_input;

namespace {

// A session on this state sends a ping the server side can open.
void check_usable(const session::session_state& state, const char* what) {
  session::manual_clock clock{int64_t(1'700'000'000) * session::ns_per_second};
  test_support::seeded_random rng{3};
  session::client_session s{state, clock, rng};
  s.ping(1);
  byte_buffer out;
  FUZZ_CHECK(s.next_packet(out), std::string(what) + ": no packet for a ping");
  session::packet_cipher server{state.auth_key, session::packet_cipher::role::server};
  try {
    auto m = server.open(out);
    FUZZ_CHECK(m.header.session_id == state.session_id && m.header.msg_id % 4 == 0,
               std::string(what) + ": the ping has another session id or a bad msg_id");
  } catch (const transport_error& e) {
    FUZZ_CHECK(false, std::string(what) + ": the server cannot open the ping: " + e.what());
  }
}

// ---------------------------------------------------------- session files

void session_file(byte_view bytes) {
  session_data d;
  try {
    d = decode_session_file(bytes);
  } catch (const store_error& e) {
    FUZZ_CHECK(e.code() != store_errc::io_failed && e.code() != store_errc::invalid_argument
                 && e.code() != store_errc::bad_string_session,
               std::string("a parse failed with ") + e.what());
    return;
  }
  byte_buffer again;
  try {
    again = encode_session_file(d);
  } catch (const store_error& e) {
    FUZZ_CHECK(false, std::string("a loaded session cannot be saved: ") + e.what());
  }
  FUZZ_CHECK(decode_session_file(again) == d, "session file does not round-trip");
  if (load_le32(bytes.data() + 4) == load_le32(again.data() + 4))
    FUZZ_CHECK(byte_view(again) == bytes, "session file re-encodes to other bytes");
  for (const auto& k : d.keys) {
    FUZZ_CHECK(k.auth_key.size() == 256, "loaded auth key of " + std::to_string(k.auth_key.size())
                                           + " bytes");
    // As the pool continues a stored key (actors/pool_supervision.cpp).
    test_support::seeded_random rng{9};
    crypto::auth_key_bytes key;
    std::memcpy(key.data(), k.auth_key.data(), key.size());
    auto state = session::session_state::fresh(key, uint64_t(k.server_salt), rng);
    state.time_offset_ns = k.time_offset_ns;
    state.time_synced = k.time_offset_ns != 0;
    check_usable(state, "a stored key");
  }
}

byte_buffer with_header_and_checksum(byte_view payload) {
  byte_buffer out = {'M', 'T', 'S', 'S', 0, 0, 0, 0, 0, 0, 0, 0};
  store_le32(out.data() + 4, session_file_version_1);
  store_le32(out.data() + 8, uint32_t(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  auto digest = crypto::sha256::hash(out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

// -------------------------------------------------------- string sessions

struct string_format {
  const char* name;
  string_session (*parse)(std::string_view);
  std::string (*print)(const string_session&);
  base64_alphabet alphabet;
};

const string_format telethon{"Telethon", from_telethon, to_telethon, base64_alphabet::url_safe};
const string_format gramjs{"gramjs", from_gramjs, to_gramjs, base64_alphabet::standard};

bool operator==(const string_session& a, const string_session& b) {
  return a.dc_id == b.dc_id && a.host == b.host && a.port == b.port && a.auth_key == b.auth_key;
}

void string_session_text(const string_format& f, std::string_view text) {
  string_session s;
  try {
    s = f.parse(text);
  } catch (const store_error& e) {
    FUZZ_CHECK(e.code() == store_errc::bad_string_session,
               std::string(f.name) + " string refused with " + e.what());
    return;
  }
  FUZZ_CHECK(s.dc_id >= 1 && s.dc_id <= 255 && s.port != 0 && s.auth_key.size() == 256,
             std::string(f.name) + " string gave an unusable session");
  std::string printed;
  try {
    printed = f.print(s);
  } catch (const store_error& e) {
    FUZZ_CHECK(false, std::string(f.name) + " session cannot be printed again: " + e.what());
  }
  FUZZ_CHECK(f.parse(printed) == s, std::string(f.name) + " string does not round-trip");
  // gramjs takes any address Telethon gives (an IP literal), not the reverse.
  if (f.alphabet == base64_alphabet::url_safe)
    FUZZ_CHECK(from_gramjs(to_gramjs(s)) == s, "Telethon session does not survive gramjs");
  const auto d = to_session_data(s);
  FUZZ_CHECK(from_session_data(d) == s, "string session does not survive session_data");
  FUZZ_CHECK(decode_session_file(encode_session_file(d)) == d,
             "string session does not survive a session file");
}

void string_session_bytes(const string_format& f, byte_view raw) {
  string_session_text(f, "1" + base64_encode(raw, f.alphabet));
}

// -------------------------------------------------------- saved state

void saved_state(byte_view bytes) {
  session::session_state s;
  try {
    s = session::parse_session_state(bytes);
  } catch (const session::session_error& e) {
    FUZZ_CHECK(e.code() == session::session_errc::bad_state,
               std::string("saved state refused with ") + e.what());
    return;
  }
  FUZZ_CHECK(session::parse_session_state(session::serialize_session_state(s)) == s,
             "saved state does not round-trip");
  check_usable(s, "saved state");
}

// FNV-1a 64, the checksum saved state ends with (session_state.cpp).
byte_buffer with_state_checksum(byte_view body) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : body) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  byte_buffer out = body.to_buffer();
  out.resize(out.size() + 8);
  store_le64(out.data() + body.size(), h);
  return out;
}

std::string_view text_of(byte_view v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_input in{data, size};
  const uint8_t pick = in.u8();
  const byte_view rest = in.rest();
  switch (pick % 8) {
    case 0: session_file(rest); break;
    case 1: session_file(with_header_and_checksum(rest)); break;
    case 2: string_session_text(telethon, text_of(rest)); break;
    case 3: string_session_text(gramjs, text_of(rest)); break;
    case 4: string_session_bytes(telethon, rest); break;
    case 5: string_session_bytes(gramjs, rest); break;
    case 6: saved_state(rest); break;
    default: saved_state(with_state_checksum(rest)); break;
  }
  return 0;
}
