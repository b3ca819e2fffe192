// MTProto 2.0 key derivation, written to follow the formulas on
// core.telegram.org/mtproto/description ("Defining AES Key and Initialization
// Vector") and core.telegram.org/mtproto/auth_key (step 5, tmp_aes_key).
#include "mtsender/transport/crypto/kdf.hpp"

#include <cstring>

namespace mtsender::crypto {

uint64_t auth_key_id(const auth_key_bytes& auth_key) {
  auto digest = sha1::hash(auth_key);
  return load_le64(digest.data() + 12);
}

msg_key_bytes compute_msg_key(sha256& h, const auth_key_bytes& auth_key,
                              direction dir, byte_view plaintext) {
  const size_t x = size_t(dir);
  h.update(byte_view{auth_key.data() + 88 + x, 32});
  h.update(plaintext);
  auto large = h.finish();
  msg_key_bytes msg_key;
  std::memcpy(msg_key.data(), large.data() + 8, 16);
  return msg_key;
}

aes_key_iv derive_aes_key_iv(sha256& h, const auth_key_bytes& auth_key,
                             direction dir, const msg_key_bytes& msg_key) {
  const size_t x = size_t(dir);
  h.update(msg_key);
  h.update(byte_view{auth_key.data() + x, 36});
  auto a = h.finish();
  h.update(byte_view{auth_key.data() + 40 + x, 36});
  h.update(msg_key);
  auto b = h.finish();

  aes_key_iv out;
  // aes_key = a[0..8] ‖ b[8..24] ‖ a[24..32]
  std::memcpy(out.key.data(), a.data(), 8);
  std::memcpy(out.key.data() + 8, b.data() + 8, 16);
  std::memcpy(out.key.data() + 24, a.data() + 24, 8);
  // aes_iv = b[0..8] ‖ a[8..24] ‖ b[24..32]
  std::memcpy(out.iv.data(), b.data(), 8);
  std::memcpy(out.iv.data() + 8, a.data() + 8, 16);
  std::memcpy(out.iv.data() + 24, b.data() + 24, 8);
  return out;
}

aes_key_iv handshake_key_iv(const int256& new_nonce, const int128& server_nonce) {
  sha1 h;
  auto ns = h.update(new_nonce).update(server_nonce).finish();
  auto sn = h.update(server_nonce).update(new_nonce).finish();
  auto nn = h.update(new_nonce).update(new_nonce).finish();

  aes_key_iv out;
  // tmp_aes_key = SHA1(new_nonce ‖ server_nonce) ‖ SHA1(server_nonce ‖ new_nonce)[0..12]
  std::memcpy(out.key.data(), ns.data(), 20);
  std::memcpy(out.key.data() + 20, sn.data(), 12);
  // tmp_aes_iv = SHA1(server_nonce ‖ new_nonce)[12..20] ‖ SHA1(new_nonce ‖ new_nonce)
  //              ‖ new_nonce[0..4]
  std::memcpy(out.iv.data(), sn.data() + 12, 8);
  std::memcpy(out.iv.data() + 8, nn.data(), 20);
  std::memcpy(out.iv.data() + 28, new_nonce.data(), 4);
  return out;
}

} // namespace mtsender::crypto
