#include "mtsender/transport/handshake/dh_params.hpp"

#include "mtsender/transport/hex.hpp"

#include <openssl/bn.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace mtsender::handshake {

namespace {

struct bn_free { void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); } };
struct ctx_free { void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); } };
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;
using ctx_ptr = std::unique_ptr<BN_CTX, ctx_free>;

bn_ptr make_bn() {
  bn_ptr b{BN_new()};
  if (!b)
    throw std::bad_alloc();
  return b;
}

bn_ptr to_bn(byte_view v) {
  bn_ptr b{BN_bin2bn(v.data(), int(v.size()), nullptr)};
  if (!b)
    throw std::bad_alloc();
  return b;
}

ctx_ptr make_ctx() {
  ctx_ptr c{BN_CTX_new()};
  if (!c)
    throw std::bad_alloc();
  return c;
}

// Telegram's dh_prime, as its servers send it; the same value appears in
// core.telegram.org/mtproto/samples-auth_key (server_DH_inner_data.dh_prime)
// and in TDLib's td/mtproto/DhHandshake.cpp.
constexpr std::string_view telegram_prime_hex =
  "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
  "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
  "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
  "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
  "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
  "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
  "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
  "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B";

bool run_safe_prime_test(byte_view p_bytes) {
  auto ctx = make_ctx();
  auto p = to_bn(p_bytes);
  if (BN_check_prime(p.get(), ctx.get(), nullptr) != 1)
    return false;
  auto half = make_bn();
  if (!BN_rshift1(half.get(), p.get()))
    throw std::bad_alloc();
  return BN_check_prime(half.get(), ctx.get(), nullptr) == 1;
}

} // namespace

const byte_buffer& telegram_dh_prime() {
  static const byte_buffer prime = from_hex(telegram_prime_hex);
  return prime;
}

namespace {

struct verdict_cache {
  std::mutex mutex;
  std::map<byte_buffer, bool> verdicts;
  std::deque<byte_buffer> order;  // insertion order, oldest first
};

verdict_cache& cache() {
  static verdict_cache c;
  return c;
}

} // namespace

bool is_safe_prime_cached(byte_view p, bool* was_cached) {
  auto& c = cache();
  byte_buffer key = p.to_buffer();
  {
    std::lock_guard<std::mutex> guard{c.mutex};
    auto i = c.verdicts.find(key);
    if (i != c.verdicts.end()) {
      if (was_cached)
        *was_cached = true;
      return i->second;
    }
  }
  // Outside the lock: two threads may both test a new prime once; that is
  // cheaper than making every other lookup wait ~200 ms.
  bool verdict = run_safe_prime_test(p);
  std::lock_guard<std::mutex> guard{c.mutex};
  if (c.verdicts.emplace(key, verdict).second) {
    c.order.push_back(std::move(key));
    while (c.order.size() > safe_prime_cache_capacity) {
      c.verdicts.erase(c.order.front());
      c.order.pop_front();
    }
  }
  if (was_cached)
    *was_cached = false;
  return verdict;
}

size_t safe_prime_cache_size() {
  auto& c = cache();
  std::lock_guard<std::mutex> guard{c.mutex};
  return c.verdicts.size();
}

bool g_fits_prime(byte_view dh_prime, int32_t g) {
  auto p = to_bn(dh_prime);
  auto mod = [&](BN_ULONG w) { return BN_mod_word(p.get(), w); };
  switch (g) {
    case 2: return mod(8) == 7;
    case 3: return mod(3) == 2;
    case 4: return true;
    case 5: { auto r = mod(5); return r == 1 || r == 4; }
    case 6: { auto r = mod(24); return r == 19 || r == 23; }
    case 7: { auto r = mod(7); return r == 3 || r == 5 || r == 6; }
    default: return false;
  }
}

void check_dh_prime(byte_view dh_prime, int32_t g, bool require_residue) {
  if (g < 2 || g > 7)
    throw handshake_error(handshake_errc::bad_g,
                          "g = " + std::to_string(g) + " is outside 2..7");
  if (dh_prime.size() != 256 || (dh_prime[0] & 0x80) == 0)
    throw handshake_error(handshake_errc::bad_dh_prime,
                          "dh_prime of " + std::to_string(dh_prime.size())
                            + " bytes is not a 2048-bit number");
  if (require_residue && !g_fits_prime(dh_prime, g))
    throw handshake_error(handshake_errc::bad_g,
                          "dh_prime does not meet the residue condition of g = "
                            + std::to_string(g));
  if (dh_prime == byte_view{telegram_dh_prime()})
    return;
  if (!is_safe_prime_cached(dh_prime))
    throw handshake_error(handshake_errc::bad_dh_prime,
                          "dh_prime is not Telegram's prime and not a safe prime");
}

void check_dh_value(byte_view value, byte_view dh_prime, handshake_errc code,
                    const char* what) {
  auto v = to_bn(value);
  auto p = to_bn(dh_prime);
  constexpr int min_bits = 2048 - 64;
  // v >= 2^1984 <=> v has more than 1984 bits.
  if (BN_num_bits(v.get()) <= min_bits)
    throw handshake_error(code, std::string(what) + " is below 2^1984 ("
                                  + std::to_string(BN_num_bits(v.get())) + " bits)");
  auto diff = make_bn();
  if (!BN_sub(diff.get(), p.get(), v.get()))
    throw std::bad_alloc();
  if (BN_is_negative(diff.get()) || BN_num_bits(diff.get()) <= min_bits)
    throw handshake_error(code, std::string(what) + " is above dh_prime - 2^1984");
}

byte_buffer mod_exp(byte_view base, byte_view exponent, byte_view modulus) {
  auto ctx = make_ctx();
  auto b = to_bn(base);
  auto e = to_bn(exponent);
  auto m = to_bn(modulus);
  BN_set_flags(e.get(), BN_FLG_CONSTTIME);
  auto r = make_bn();
  if (BN_is_zero(m.get()) || !BN_is_odd(m.get()))
    throw std::invalid_argument("mod_exp: the modulus must be odd");
  if (!BN_mod_exp(r.get(), b.get(), e.get(), m.get(), ctx.get()))
    throw std::runtime_error("mod_exp: BN_mod_exp failed");
  byte_buffer out(modulus.size());
  if (BN_bn2binpad(r.get(), out.data(), int(out.size())) < 0)
    throw std::runtime_error("mod_exp: result does not fit the modulus size");
  return out;
}

byte_buffer mod_exp(uint32_t base, byte_view exponent, byte_view modulus) {
  uint8_t b[4];
  b[0] = uint8_t(base >> 24); b[1] = uint8_t(base >> 16);
  b[2] = uint8_t(base >> 8); b[3] = uint8_t(base);
  return mod_exp(byte_view{b, 4}, exponent, modulus);
}

} // namespace mtsender::handshake
