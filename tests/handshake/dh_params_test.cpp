// DH parameter checks: Telegram's prime, the safe-prime test and its cache,
// g's residue conditions, the g_a/g_b range, modular exponentiation.
#include "mtsender/transport/handshake/dh_params.hpp"

#include "mtsender/tests/support/rfc3526_prime.hpp"

#include "test_support.hpp"

#include <openssl/bn.h>

#include <algorithm>

using namespace mtsender;
using namespace mtsender::handshake;

namespace {

using test_support::rfc3526_prime;

byte_buffer pow2(int bits) {  // 2^bits as 256 big-endian bytes
  byte_buffer b(256, 0);
  b[255 - bits / 8] = uint8_t(1u << (bits % 8));
  return b;
}

byte_buffer sub(const byte_buffer& a, const byte_buffer& b) {  // a - b, 256 bytes
  byte_buffer out(256);
  int borrow = 0;
  for (int i = 255; i >= 0; --i) {
    int d = int(a[i]) - int(b[i]) - borrow;
    borrow = d < 0;
    out[i] = uint8_t(d + (borrow ? 256 : 0));
  }
  return out;
}

byte_buffer add_small(byte_buffer a, int v) {
  for (int i = 255; i >= 0 && v; --i) {
    int s = a[i] + v;
    a[i] = uint8_t(s);
    v = s >> 8;
  }
  return a;
}

} // namespace

TEST_CASE("Telegram's prime passes with the g values whose residue fits", "[handshake][dh]") {
  auto& p = telegram_dh_prime();
  REQUIRE(p.size() == 256);
  // p mod 8 = 3, p mod 3 = 2, p mod 5 = 3, p mod 24 = 11, p mod 7 = 6.
  for (int32_t g : {3, 4, 7})
    CHECK_NOTHROW(check_dh_prime(p, g));
  for (int32_t g : {2, 5, 6})
    REQUIRE_HANDSHAKE_ERROR(check_dh_prime(p, g), handshake_errc::bad_g);
  for (int32_t g : {-1, 0, 1, 8, 1 << 30})
    REQUIRE_HANDSHAKE_ERROR(check_dh_prime(p, g), handshake_errc::bad_g);
  CHECK_NOTHROW(check_dh_prime(p, 2, /*require_residue=*/false));
}

TEST_CASE("dh_prime must be exactly 2048 bits", "[handshake][dh]") {
  auto p = telegram_dh_prime();
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(byte_view{p}.sub(1), 4), handshake_errc::bad_dh_prime);
  auto longer = p;
  longer.insert(longer.begin(), 0);
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(longer, 4), handshake_errc::bad_dh_prime);
  auto small = p;
  small[0] = 0x47;  // top bit clear: a 2047-bit number
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(small, 4), handshake_errc::bad_dh_prime);
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(byte_view{}, 4), handshake_errc::bad_dh_prime);
}

TEST_CASE("another safe prime passes the test once, then from the cache", "[handshake][dh]") {
  auto p = from_hex(rfc3526_prime);
  CHECK_NOTHROW(check_dh_prime(p, 2));  // p mod 8 = 7
  bool cached = false;
  CHECK(is_safe_prime_cached(p, &cached));
  CHECK(cached);
}

TEST_CASE("a composite or a non-safe prime is refused", "[handshake][dh]") {
  auto composite = add_small(telegram_dh_prime(), 2);  // odd, not prime
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(composite, 4), handshake_errc::bad_dh_prime);
  bool cached = false;
  CHECK_FALSE(is_safe_prime_cached(composite, &cached));
  CHECK(cached);

  // A random 2048-bit prime is (overwhelmingly likely) not a safe prime.
  BIGNUM* bn = BN_new();
  REQUIRE(BN_generate_prime_ex(bn, 2048, 0, nullptr, nullptr, nullptr) == 1);
  byte_buffer prime(256);
  BN_bn2binpad(bn, prime.data(), 256);
  BN_free(bn);
  REQUIRE_HANDSHAKE_ERROR(check_dh_prime(prime, 4), handshake_errc::bad_dh_prime);
}

TEST_CASE("g_a and g_b must lie in [2^1984, p - 2^1984]", "[handshake][dh]") {
  auto& p = telegram_dh_prime();
  auto low = pow2(1984);
  auto high = sub(p, low);
  CHECK_NOTHROW(check_dh_value(low, p, handshake_errc::bad_g_a, "g_a"));
  CHECK_NOTHROW(check_dh_value(high, p, handshake_errc::bad_g_a, "g_a"));
  REQUIRE_HANDSHAKE_ERROR(check_dh_value(sub(low, add_small(byte_buffer(256, 0), 1)), p,
                                         handshake_errc::bad_g_a, "g_a"),
                          handshake_errc::bad_g_a);
  REQUIRE_HANDSHAKE_ERROR(check_dh_value(add_small(high, 1), p, handshake_errc::bad_g_b, "g_b"),
                          handshake_errc::bad_g_b);
  for (auto v : {byte_buffer{}, byte_buffer{0}, byte_buffer{1}, byte_buffer{2}})
    REQUIRE_HANDSHAKE_ERROR(check_dh_value(v, p, handshake_errc::bad_g_a, "g_a"),
                            handshake_errc::bad_g_a);
  REQUIRE_HANDSHAKE_ERROR(check_dh_value(sub(p, add_small(byte_buffer(256, 0), 1)), p,
                                         handshake_errc::bad_g_a, "g_a"),
                          handshake_errc::bad_g_a);
  REQUIRE_HANDSHAKE_ERROR(check_dh_value(p, p, handshake_errc::bad_g_a, "g_a"),
                          handshake_errc::bad_g_a);
  REQUIRE_HANDSHAKE_ERROR(check_dh_value(byte_buffer(300, 0xff), p, handshake_errc::bad_g_a, "g_a"),
                          handshake_errc::bad_g_a);
  // Leading zero bytes do not change the value.
  auto padded = low;
  padded.insert(padded.begin(), 3, 0);
  CHECK_NOTHROW(check_dh_value(padded, p, handshake_errc::bad_g_a, "g_a"));
}

TEST_CASE("mod_exp pads to the modulus size and agrees both ways", "[handshake][dh]") {
  byte_buffer seven(256, 0);
  seven[255] = 7;  // a 256-byte modulus with leading zeros keeps 256 output bytes
  auto r = mod_exp(3, byte_buffer{5}, seven);  // 3^5 = 243 = 5 mod 7
  REQUIRE(r.size() == 256);
  CHECK(r[255] == 5);
  CHECK(std::all_of(r.begin(), r.end() - 1, [](uint8_t b) { return b == 0; }));

  auto& p = telegram_dh_prime();
  hs_test::scripted_random rng;
  byte_buffer a(256), b(256);
  rng.fill(a.data(), 256);
  rng.fill(b.data(), 256);
  auto g_a = mod_exp(3, a, p), g_b = mod_exp(3, b, p);
  CHECK(mod_exp(g_a, b, p) == mod_exp(g_b, a, p));
  CHECK_THROWS_AS(mod_exp(3, a, byte_buffer{8}), std::invalid_argument);
}

TEST_CASE("the safe-prime verdict cache keeps a bounded number of primes", "[handshake][dh]") {
  // Distinct even 2048-bit numbers: refused at once by the primality test,
  // so a hostile server could send a new one on every handshake.
  auto number = [](size_t i) {
    auto p = telegram_dh_prime();
    p[250] = uint8_t(i >> 8);
    p[251] = uint8_t(i);
    p[255] &= 0xfe;
    return p;
  };
  const size_t n = safe_prime_cache_capacity + 10;
  for (size_t i = 0; i < n; ++i) {
    bool cached = true;
    CHECK_FALSE(is_safe_prime_cached(number(i), &cached));
    CHECK_FALSE(cached);
    CHECK(safe_prime_cache_size() <= safe_prime_cache_capacity);
  }
  CHECK(safe_prime_cache_size() == safe_prime_cache_capacity);
  // The newest verdicts are kept, the oldest were dropped (and come back
  // with a new test, still refused).
  bool cached = false;
  CHECK_FALSE(is_safe_prime_cached(number(n - 1), &cached));
  CHECK(cached);
  CHECK_FALSE(is_safe_prime_cached(number(0), &cached));
  CHECK_FALSE(cached);
  CHECK(safe_prime_cache_size() == safe_prime_cache_capacity);
}

TEST_CASE("g's residue conditions, residue by residue", "[handshake][dh]") {
  // Odd 2048-bit numbers p + 2k: the conditions only look at p mod m, so
  // primality does not matter here. core.telegram.org/mtproto/auth_key:
  // g = 2: p mod 8 = 7; g = 3: p mod 3 = 2; g = 4: always; g = 5: p mod 5
  // is 1 or 4; g = 6: p mod 24 is 19 or 23; g = 7: p mod 7 is 3, 5 or 6.
  auto residue = [](const byte_buffer& n, BN_ULONG m) {
    BIGNUM* b = BN_bin2bn(n.data(), int(n.size()), nullptr);
    auto r = BN_mod_word(b, m);
    BN_free(b);
    return r;
  };
  auto expected = [&](const byte_buffer& n, int32_t g) {
    switch (g) {
      case 2: return residue(n, 8) == 7;
      case 3: return residue(n, 3) == 2;
      case 4: return true;
      case 5: return residue(n, 5) == 1 || residue(n, 5) == 4;
      case 6: return residue(n, 24) == 19 || residue(n, 24) == 23;
      case 7: { auto r = residue(n, 7); return r == 3 || r == 5 || r == 6; }
    }
    return false;
  };
  int fits3 = 0, fits7 = 0, misses3 = 0, misses7 = 0;
  for (int k = 0; k < 168; ++k) {  // 2k covers every residue mod 3, 7, 8 and 24
    auto n = add_small(telegram_dh_prime(), 2 * k);
    for (int32_t g = 2; g <= 7; ++g) {
      INFO("k = " << k << ", g = " << g);
      CHECK(g_fits_prime(n, g) == expected(n, g));
    }
    (expected(n, 3) ? fits3 : misses3)++;
    (expected(n, 7) ? fits7 : misses7)++;
    // check_dh_prime names g, not the prime, when only the residue is wrong.
    if (!expected(n, 3))
      REQUIRE_HANDSHAKE_ERROR(check_dh_prime(n, 3), handshake_errc::bad_g);
    if (!expected(n, 7))
      REQUIRE_HANDSHAKE_ERROR(check_dh_prime(n, 7), handshake_errc::bad_g);
  }
  CHECK(fits3 > 0);
  CHECK(misses3 > 0);
  CHECK(fits7 > 0);
  CHECK(misses7 > 0);
}
