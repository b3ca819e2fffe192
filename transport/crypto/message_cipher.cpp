#include "mtsender/transport/crypto/message_cipher.hpp"

#include "mtsender/transport/crypto/aes_ige.hpp"
#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/hex.hpp"

#include <cstring>
#include <stdexcept>

namespace mtsender::crypto {

const char* to_string(cipher_errc code) noexcept {
  switch (code) {
    case cipher_errc::wrong_auth_key_id:
      return "wrong_auth_key_id";
    case cipher_errc::bad_length:
      return "bad_length";
    case cipher_errc::msg_key_mismatch:
      return "msg_key_mismatch";
  }
  return "unknown cipher_errc";
}

cipher_error::cipher_error(cipher_errc code, const std::string& what)
  : transport_error(what), code_(code) {}

namespace {

constexpr size_t header_size = 8 + 16;  // auth_key_id ‖ msg_key

} // namespace

message_cipher::message_cipher(const auth_key_bytes& auth_key)
  : key_(auth_key), key_id_(auth_key_id(auth_key)) {}

void message_cipher::encrypt(direction dir, byte_view padded_plaintext,
                             byte_buffer& out) {
  const size_t len = padded_plaintext.size();
  if (len == 0 || len % 16 != 0)
    throw std::invalid_argument("message_cipher: plaintext of " + std::to_string(len)
                                + " bytes is not a positive multiple of 16");
  const auto msg_key = compute_msg_key(sha_, key_, dir, padded_plaintext);
  const auto kv = derive_aes_key_iv(sha_, key_, dir, msg_key);

  const size_t at = out.size();
  out.resize(at + header_size + len);
  uint8_t* p = out.data() + at;
  store_le64(p, key_id_);
  std::memcpy(p + 8, msg_key.data(), 16);
  aes_ige_encrypt(kv.key, kv.iv, padded_plaintext.data(), p + header_size, len);
}

void message_cipher::decrypt(direction dir, byte_view packet, byte_buffer& out) {
  out.clear();
  if (packet.size() < 8)
    throw cipher_error(cipher_errc::bad_length,
                       "message_cipher: packet of " + std::to_string(packet.size())
                         + " bytes is too short for an auth_key_id");
  const uint64_t id = load_le64(packet.data());
  if (id != key_id_) {
    std::array<uint8_t, 8> theirs, ours;
    store_le64(theirs.data(), id);
    store_le64(ours.data(), key_id_);
    throw cipher_error(cipher_errc::wrong_auth_key_id,
                       "message_cipher: packet names auth_key_id " + to_hex(theirs)
                         + ", ours is " + to_hex(ours));
  }
  if (packet.size() < header_size + 16 || (packet.size() - header_size) % 16 != 0)
    throw cipher_error(cipher_errc::bad_length,
                       "message_cipher: packet of " + std::to_string(packet.size())
                         + " bytes is not 24 + a positive multiple of 16");

  const size_t body = packet.size() - header_size;
  msg_key_bytes msg_key;
  std::memcpy(msg_key.data(), packet.data() + 8, 16);
  const auto kv = derive_aes_key_iv(sha_, key_, dir, msg_key);
  out.resize(body);
  aes_ige_decrypt(kv.key, kv.iv, packet.data() + header_size, out.data(), body);

  // The server computes msg_key over the plaintext it sent, padding included;
  // a mismatch means a forged or corrupted packet. Say nothing more than that.
  const auto expected = compute_msg_key(sha_, key_, dir, out);
  if (!equal_constant_time(expected, msg_key)) {
    out.clear();
    throw cipher_error(cipher_errc::msg_key_mismatch,
                       "message_cipher: msg_key does not match the decrypted "
                       "plaintext (forged or corrupted packet)");
  }
}

} // namespace mtsender::crypto
