#include "mtsender/transport/handshake/handshake_math.hpp"

#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/crypto/sha.hpp"

#include <cstring>

namespace mtsender::handshake {

namespace {

int128 low_128(const crypto::sha1_digest& d) {
  int128 out;
  std::memcpy(out.data(), d.data() + 4, 16);
  return out;
}

} // namespace

int128 new_nonce_hash(const int256& new_nonce, uint8_t n, const crypto::auth_key_bytes& key) {
  auto aux = crypto::sha1::hash(key);
  std::array<uint8_t, 32 + 1 + 8> buf;
  std::memcpy(buf.data(), new_nonce.data(), 32);
  buf[32] = n;
  std::memcpy(buf.data() + 33, aux.data(), 8);
  return low_128(crypto::sha1::hash(buf));
}

int128 new_nonce_hash_of_fail(const int256& new_nonce) {
  return low_128(crypto::sha1::hash(new_nonce));
}

int64_t auth_key_aux_hash(const crypto::auth_key_bytes& key) {
  auto d = crypto::sha1::hash(key);
  return int64_t(load_le64(d.data()));
}

int64_t initial_server_salt(const int256& new_nonce, const int128& server_nonce) {
  uint8_t x[8];
  for (int i = 0; i < 8; ++i)
    x[i] = uint8_t(new_nonce[i] ^ server_nonce[i]);
  return int64_t(load_le64(x));
}

byte_buffer be_bytes(uint64_t v) {
  byte_buffer out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    auto b = uint8_t(v >> shift);
    if (b != 0 || !out.empty())
      out.push_back(b);
  }
  if (out.empty())
    out.push_back(0);
  return out;
}

bool be_to_u64(byte_view bytes, uint64_t& out) {
  size_t i = 0;
  while (i < bytes.size() && bytes[i] == 0)
    ++i;
  if (bytes.empty() || bytes.size() - i > 8)
    return false;
  out = 0;
  for (; i < bytes.size(); ++i)
    out = out << 8 | bytes[i];
  return true;
}

byte_buffer encrypt_with_hash(byte_view data, const int256& key, const int256& iv,
                              random_source& rng) {
  const size_t used = 20 + data.size();
  const size_t padding = (16 - used % 16) % 16;
  byte_buffer buf(used + padding);
  auto digest = crypto::sha1::hash(data);
  std::memcpy(buf.data(), digest.data(), 20);
  if (!data.empty())
    std::memcpy(buf.data() + 20, data.data(), data.size());
  if (padding)
    rng.fill(buf.data() + used, padding);
  crypto::aes_ige_encrypt(key, iv, buf.data(), buf.data(), buf.size());
  return buf;
}

byte_buffer decrypt_payload(byte_view encrypted, const int256& key, const int256& iv,
                            const char* what) {
  if (encrypted.size() < 32 || encrypted.size() % 16 != 0)
    throw handshake_error(handshake_errc::bad_encrypted_answer,
                          std::string(what) + ": encrypted payload of "
                            + std::to_string(encrypted.size())
                            + " bytes is not a multiple of 16 of at least 32");
  byte_buffer out(encrypted.size());
  crypto::aes_ige_decrypt(key, iv, encrypted.data(), out.data(), out.size());
  return out;
}

void check_hash_and_padding(byte_view decrypted, size_t object_size, const char* what) {
  auto digest = crypto::sha1::hash(decrypted.sub(20, object_size));
  if (!crypto::equal_constant_time(digest, decrypted.sub(0, 20)))
    throw handshake_error(handshake_errc::answer_hash_mismatch,
                          std::string(what) + ": SHA-1 does not match the decrypted data");
  const size_t padding = decrypted.size() - 20 - object_size;
  if (padding > 15)
    throw handshake_error(handshake_errc::bad_answer_padding,
                          std::string(what) + ": " + std::to_string(padding)
                            + " padding bytes (at most 15 allowed)");
}

bool hash_matches_any_padding(byte_view decrypted) {
  if (decrypted.size() < 20)
    return false;
  for (size_t k = 0; k < 16 && k <= decrypted.size() - 20; ++k) {
    auto digest = crypto::sha1::hash(decrypted.sub(20, decrypted.size() - 20 - k));
    if (crypto::equal_constant_time(digest, decrypted.sub(0, 20)))
      return true;
  }
  return false;
}

} // namespace mtsender::handshake
