// The values both sides of the handshake derive the same way
// (core.telegram.org/mtproto/auth_key), so client and server cannot drift
// apart: new_nonce hashes, the aux hash, the first salt, the SHA-1-prefixed
// AES-IGE payloads, and the decoding of peer messages into typed errors.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/crypto/kdf.hpp"
#include "mtsender/transport/handshake/handshake_error.hpp"
#include "mtsender/transport/random.hpp"
#include "mtsender/transport/tl/reader.hpp"

#include <string>

namespace mtsender::handshake {

// Lower 128 bits of SHA1(new_nonce ‖ n ‖ auth_key_aux_hash), n = 1 (dh_gen_ok),
// 2 (dh_gen_retry) or 3 (dh_gen_fail).
int128 new_nonce_hash(const int256& new_nonce, uint8_t n, const crypto::auth_key_bytes& key);
// Lower 128 bits of SHA1(new_nonce), the hash in server_DH_params_fail.
int128 new_nonce_hash_of_fail(const int256& new_nonce);
// The 64 higher-order bits of SHA1(auth_key), as the int64 retry_id carries it.
int64_t auth_key_aux_hash(const crypto::auth_key_bytes& key);
// new_nonce[0..8] XOR server_nonce[0..8], read little-endian.
int64_t initial_server_salt(const int256& new_nonce, const int128& server_nonce);

// Big-endian bytes of v without leading zeros (p, q, pq in the handshake).
byte_buffer be_bytes(uint64_t v);
// False if `bytes` (big-endian) does not fit 64 bits or is empty.
bool be_to_u64(byte_view bytes, uint64_t& out);

// AES-256-IGE(SHA1(data) ‖ data ‖ 0..15 random bytes to a multiple of 16).
byte_buffer encrypt_with_hash(byte_view data, const int256& key, const int256& iv,
                              random_source& rng);
// Decrypts such a payload. Throws bad_encrypted_answer if the length is not a
// positive multiple of 16 or shorter than a SHA-1 plus 4 bytes.
byte_buffer decrypt_payload(byte_view encrypted, const int256& key, const int256& iv,
                            const char* what);
// After the object at decrypted[20 .. 20 + object_size) was decoded: throws
// answer_hash_mismatch unless SHA1(object) == decrypted[0..20], then
// bad_answer_padding if more than 15 bytes follow the object.
void check_hash_and_padding(byte_view decrypted, size_t object_size, const char* what);
// True if SHA1(decrypted[20 .. size - k]) == decrypted[0..20] for some k in 0..15.
bool hash_matches_any_padding(byte_view decrypted);

// Runs `f(reader&)` over `body` and requires the whole body to be consumed.
// decode_error becomes handshake_error: unexpected_message for a wrong
// constructor id at offset 0, malformed_message otherwise.
template <class F>
auto decode_message(byte_view body, const char* what, F&& f) {
  tl::reader r{body};
  try {
    auto value = f(r);
    r.expect_end(what);
    return value;
  } catch (const tl::decode_error& e) {
    if (e.code() == tl::decode_errc::bad_constructor && e.offset() == 0)
      throw handshake_error(handshake_errc::unexpected_message,
                            std::string(what) + ": " + e.what());
    throw handshake_error(handshake_errc::malformed_message,
                          std::string(what) + ": " + e.what());
  }
}

// Decodes a SHA-1-prefixed object T out of an encrypted payload and checks
// its hash and padding. `plain_out`, if given, receives T's serialization.
template <class T>
T decode_hashed(byte_view encrypted, const int256& key, const int256& iv,
                const char* what, byte_buffer* plain_out = nullptr) {
  auto decrypted = decrypt_payload(encrypted, key, iv, what);
  tl::reader r{byte_view{decrypted}.sub(20)};
  T value;
  try {
    value = T::read(r);
  } catch (const tl::decode_error& e) {
    // Garbage after decryption usually means a tampered payload or another
    // key: report that as the hash failure it is, unless the hash does cover
    // the bytes (then the peer really sent an undecodable object).
    if (!hash_matches_any_padding(decrypted))
      throw handshake_error(handshake_errc::answer_hash_mismatch,
                            std::string(what) + ": SHA-1 does not match the decrypted data");
    throw handshake_error(handshake_errc::malformed_message,
                          std::string(what) + ": " + e.what());
  }
  check_hash_and_padding(decrypted, r.position(), what);
  if (plain_out)
    *plain_out = byte_view{decrypted}.sub(20, r.position()).to_buffer();
  return value;
}

} // namespace mtsender::handshake
