// RSA keys on OpenSSL 3 (EVP_PKEY, decoders and encoders; no deprecated RSA*).
#include "mtsender/transport/crypto/rsa.hpp"

#include "mtsender/transport/crypto/sha.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace mtsender::crypto {

const char* to_string(rsa_errc code) noexcept {
  switch (code) {
    case rsa_errc::bad_pem:
      return "bad_pem";
    case rsa_errc::file_unreadable:
      return "file_unreadable";
    case rsa_errc::data_too_large:
      return "data_too_large";
    case rsa_errc::openssl_failure:
      return "openssl_failure";
  }
  return "unknown rsa_errc";
}

rsa_error::rsa_error(rsa_errc code, const std::string& what)
  : transport_error(what), code_(code) {}

namespace {

// OpenSSL's own reason for the last failure, and an empty error queue after.
std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  std::string out;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out = std::string(" (") + buf + ")";
  }
  ERR_clear_error();
  return out;
}

[[noreturn]] void fail(rsa_errc code, const std::string& what) {
  throw rsa_error(code, "rsa: " + what + openssl_reason());
}

struct bn_deleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

struct pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

struct pkey_ctx_deleter {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter>;

bn_ptr to_bn(byte_view bytes) {
  bn_ptr bn{BN_bin2bn(bytes.data(), int(bytes.size()), nullptr)};
  if (!bn)
    fail(rsa_errc::openssl_failure, "BN_bin2bn failed");
  return bn;
}

byte_buffer to_bytes(const BIGNUM* bn) {
  byte_buffer out(size_t(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

BN_CTX* thread_bn_ctx() {
  struct holder {
    BN_CTX* ctx = BN_CTX_new();
    ~holder() { BN_CTX_free(ctx); }
  };
  thread_local holder h;
  if (h.ctx == nullptr)
    fail(rsa_errc::openssl_failure, "BN_CTX_new failed");
  return h.ctx;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw rsa_error(rsa_errc::file_unreadable, "rsa: cannot open " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad())
    throw rsa_error(rsa_errc::file_unreadable, "rsa: cannot read " + path);
  return ss.str();
}

// Decodes PEM text into an RSA EVP_PKEY with at least `selection`.
// The decoder tries every structure (PKCS#1, SubjectPublicKeyInfo, PKCS#8).
pkey_ptr decode_pem(std::string_view pem, int selection, const char* kind) {
  if (pem.empty())
    throw rsa_error(rsa_errc::bad_pem, std::string("rsa: empty PEM text for an ") + kind);
  EVP_PKEY* raw = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, "RSA",
                                                         selection, nullptr, nullptr);
  if (dctx == nullptr)
    fail(rsa_errc::openssl_failure, "OSSL_DECODER_CTX_new_for_pkey failed");
  auto data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  int ok = OSSL_DECODER_from_data(dctx, &data, &len);
  OSSL_DECODER_CTX_free(dctx);
  pkey_ptr key{raw};
  if (ok != 1 || !key)
    fail(rsa_errc::bad_pem, std::string("text is not a PEM-encoded ") + kind);
  return key;
}

bn_ptr get_bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    fail(rsa_errc::bad_pem, std::string("key has no parameter ") + name);
  return bn_ptr{raw};
}

std::string encode_pem(const EVP_PKEY* key, int selection) {
  OSSL_ENCODER_CTX* ectx = OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM",
                                                         "type-specific", nullptr);
  if (ectx == nullptr)
    fail(rsa_errc::openssl_failure, "OSSL_ENCODER_CTX_new_for_pkey failed");
  unsigned char* data = nullptr;
  size_t len = 0;
  int ok = OSSL_ENCODER_to_data(ectx, &data, &len);
  OSSL_ENCODER_CTX_free(ectx);
  if (ok != 1 || data == nullptr)
    fail(rsa_errc::openssl_failure, "PEM encoding failed");
  std::string out(reinterpret_cast<const char*>(data), len);
  OPENSSL_clear_free(data, len);
  return out;
}

// The number `data` as a BIGNUM, checked to be below n.
bn_ptr checked_input(byte_view data, const BIGNUM* n) {
  auto x = to_bn(data);
  if (BN_cmp(x.get(), n) >= 0)
    throw rsa_error(rsa_errc::data_too_large,
                    "rsa: input of " + std::to_string(data.size())
                      + " bytes is not below the modulus");
  return x;
}

int64_t compute_fingerprint(const byte_buffer& n, const byte_buffer& e) {
  byte_buffer tl;
  tl::writer w{tl};
  w.write_bytes(n);
  w.write_bytes(e);
  auto digest = sha1::hash(tl);
  return int64_t(load_le64(digest.data() + 12));
}

// Strips leading zero bytes so equal numbers give equal fingerprints.
byte_buffer minimal(byte_view v) {
  size_t i = 0;
  while (i < v.size() && v[i] == 0)
    ++i;
  return v.sub(i).to_buffer();
}

} // namespace

// ---- rsa_public_key --------------------------------------------------------

rsa_public_key rsa_public_key::from_numbers(byte_view n, byte_view e) {
  rsa_public_key key;
  key.n_ = minimal(n);
  key.e_ = minimal(e);
  if (key.n_.empty() || (key.n_.back() & 1) == 0)
    throw rsa_error(rsa_errc::bad_pem, "rsa: modulus is zero or even");
  if (key.e_.empty() || (key.e_.size() == 1 && key.e_[0] < 3))
    throw rsa_error(rsa_errc::bad_pem, "rsa: public exponent is below 3");
  key.fingerprint_ = compute_fingerprint(key.n_, key.e_);
  return key;
}

rsa_public_key rsa_public_key::from_pem(std::string_view pem) {
  auto key = decode_pem(pem, EVP_PKEY_PUBLIC_KEY, "RSA public key");
  auto n = get_bn(key.get(), OSSL_PKEY_PARAM_RSA_N);
  auto e = get_bn(key.get(), OSSL_PKEY_PARAM_RSA_E);
  return from_numbers(to_bytes(n.get()), to_bytes(e.get()));
}

rsa_public_key rsa_public_key::from_pem_file(const std::string& path) {
  return from_pem(read_file(path));
}

std::string rsa_public_key::to_pem() const {
  auto n = to_bn(n_);
  auto e = to_bn(e_);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr)
    fail(rsa_errc::openssl_failure, "OSSL_PARAM_BLD_new failed");
  OSSL_PARAM* params = nullptr;
  if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1
      && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1)
    params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  if (params == nullptr)
    fail(rsa_errc::openssl_failure, "cannot build RSA parameters");
  EVP_PKEY* raw = nullptr;
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)};
  int ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1
           && EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  pkey_ptr key{raw};
  if (!ok || !key)
    fail(rsa_errc::openssl_failure, "EVP_PKEY_fromdata failed");
  return encode_pem(key.get(), EVP_PKEY_PUBLIC_KEY);
}

byte_buffer rsa_public_key::encrypt_raw(byte_view data) const {
  if (n_.empty())
    throw rsa_error(rsa_errc::bad_pem, "rsa: encrypt_raw on an empty key");
  auto n = to_bn(n_);
  auto e = to_bn(e_);
  auto x = checked_input(data, n.get());
  bn_ptr r{BN_new()};
  if (!r || BN_mod_exp(r.get(), x.get(), e.get(), n.get(), thread_bn_ctx()) != 1)
    fail(rsa_errc::openssl_failure, "BN_mod_exp failed");
  byte_buffer out(n_.size());
  if (BN_bn2binpad(r.get(), out.data(), int(out.size())) < 0)
    fail(rsa_errc::openssl_failure, "BN_bn2binpad failed");
  return out;
}

// ---- rsa_private_key -------------------------------------------------------

struct rsa_private_key::impl {
  pkey_ptr key;
  bn_ptr n;
  rsa_public_key pub;
};

rsa_private_key::rsa_private_key() : impl_(std::make_unique<impl>()) {}
rsa_private_key::rsa_private_key(rsa_private_key&&) noexcept = default;
rsa_private_key& rsa_private_key::operator=(rsa_private_key&&) noexcept = default;
rsa_private_key::~rsa_private_key() = default;

namespace {

// Fills a private key's parts from a decoded or generated EVP_PKEY.
void adopt(pkey_ptr key, pkey_ptr& key_out, bn_ptr& n_out, rsa_public_key& pub_out) {
  auto n = get_bn(key.get(), OSSL_PKEY_PARAM_RSA_N);
  auto e = get_bn(key.get(), OSSL_PKEY_PARAM_RSA_E);
  pub_out = rsa_public_key::from_numbers(to_bytes(n.get()), to_bytes(e.get()));
  n_out = std::move(n);
  key_out = std::move(key);
}

} // namespace

rsa_private_key rsa_private_key::generate(int bits) {
  if (bits < 512 || bits > 16384)
    throw std::invalid_argument("rsa: key size " + std::to_string(bits)
                                + " bits is out of range 512..16384");
  pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(bits))};
  if (!key)
    fail(rsa_errc::openssl_failure, "RSA key generation failed");
  rsa_private_key out;
  adopt(std::move(key), out.impl_->key, out.impl_->n, out.impl_->pub);
  return out;
}

rsa_private_key rsa_private_key::from_pem(std::string_view pem) {
  // Selecting the key pair makes the decoder refuse public-only PEM.
  auto key = decode_pem(pem, EVP_PKEY_KEYPAIR, "RSA private key");
  rsa_private_key out;
  adopt(std::move(key), out.impl_->key, out.impl_->n, out.impl_->pub);
  return out;
}

rsa_private_key rsa_private_key::from_pem_file(const std::string& path) {
  return from_pem(read_file(path));
}

std::string rsa_private_key::to_pem() const {
  return encode_pem(impl_->key.get(), EVP_PKEY_KEYPAIR);
}

rsa_public_key rsa_private_key::public_key() const { return impl_->pub; }

byte_buffer rsa_private_key::decrypt_raw(byte_view data) const {
  auto x = checked_input(data, impl_->n.get());
  // RSA_NO_PADDING wants exactly |n| bytes.
  const size_t n_len = size_t(BN_num_bytes(impl_->n.get()));
  byte_buffer in(n_len);
  if (BN_bn2binpad(x.get(), in.data(), int(n_len)) < 0)
    fail(rsa_errc::openssl_failure, "BN_bn2binpad failed");
  pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr)};
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1
      || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1)
    fail(rsa_errc::openssl_failure, "cannot set up RSA decryption");
  byte_buffer out(n_len);
  size_t out_len = out.size();
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &out_len, in.data(), in.size()) != 1)
    fail(rsa_errc::openssl_failure, "EVP_PKEY_decrypt failed");
  if (out_len != n_len)  // OpenSSL pads to |n| for RSA_NO_PADDING; be sure
    fail(rsa_errc::openssl_failure, "RSA decryption returned "
                                      + std::to_string(out_len) + " bytes");
  return out;
}

} // namespace mtsender::crypto
