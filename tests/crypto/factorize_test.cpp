#include "mtsender/transport/crypto/factorize.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace mtsender::crypto;

TEST_CASE("factorize_pq: the pq of core.telegram.org/mtproto/samples-auth_key") {
  // "pq = 0x17ED48941A08F981 ... p = 0x494C553B, q = 0x53911073"
  auto [p, q] = factorize_pq(0x17ED48941A08F981ULL);
  CHECK(p == 0x494C553BULL);
  CHECK(q == 0x53911073ULL);
}

TEST_CASE("factorize_pq: products of two primes up to 2^63") {
  struct sample { uint64_t p, q; };
  // Primes checked with `openssl prime` (OpenSSL's command-line primality test).
  const sample samples[] = {
    {2, 3},
    {3, 3},
    {2, 1000000007},
    {65521, 65537},
    {1000000007, 1000000009},
    {2147483647, 2147483647},       // 2^31 - 1, squared
    {2147483629, 4294967291},       // the largest primes below 2^31 and 2^32
    {3037000493ULL, 3037000453ULL}, // both near sqrt(2^63)
    {3, 3074457345618258599ULL},    // tiny times huge: the trial division path
  };
  for (auto s : samples) {
    INFO(s.p << " * " << s.q);
    auto [p, q] = factorize_pq(s.p * s.q);
    CHECK(p == std::min(s.p, s.q));
    CHECK(q == std::max(s.p, s.q));
  }
}

TEST_CASE("factorize_pq: more than two prime factors gives the smallest p and q = pq / p") {
  auto [p, q] = factorize_pq(30);
  CHECK(p == 2);
  CHECK(q == 15);
  auto [p2, q2] = factorize_pq(1000000007ULL * 1000000009ULL * 3);
  CHECK(p2 == 3);
  CHECK(q2 == 1000000007ULL * 1000000009ULL);
  auto [p3, q3] = factorize_pq(0xFFFFFFFFFFFFFFFFULL);  // 3 * 5 * 17 * 257 * 641 * ...
  CHECK(p3 == 3);
  CHECK(p3 * q3 == 0xFFFFFFFFFFFFFFFFULL);
}

TEST_CASE("factorize_pq rejects numbers with no two-factor split") {
  for (uint64_t bad : {0ULL, 1ULL, 2ULL, 3ULL, 65537ULL, 1000000007ULL,
                       2305843009213693951ULL /* 2^61 - 1 */,
                       18446744073709551557ULL /* largest 64-bit prime */}) {
    INFO(bad);
    CHECK_THROWS_AS(factorize_pq(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(factorize_pq(1000000007ULL), Catch::Contains("prime"));
}

TEST_CASE("is_prime: primes, composites and strong pseudoprimes across 64 bits") {
  // Primes: 2^31 - 1 and 2^61 - 1 (Mersenne primes, OEIS A000668), the largest
  // 32-bit prime 2^32 - 5 and the largest 64-bit prime 2^64 - 59 (OEIS A014234).
  for (uint64_t p : {2ull, 3ull, 37ull, 41ull, 2147483647ull, 4294967291ull,
                     2305843009213693951ull, 18446744073709551557ull})
    CHECK(is_prime(p));
  // Composites a weak test lets through: the Carmichael numbers 561 and
  // 41041 (OEIS A002997), the strong pseudoprimes to base 2 2047 and 3277
  // (OEIS A001262), and 3215031751, a strong pseudoprime to bases 2, 3, 5 and 7
  // (OEIS A074773); also 0, 1, squares of primes and two-prime products.
  for (uint64_t c : {0ull, 1ull, 4ull, 561ull, 2047ull, 3277ull, 41041ull, 3215031751ull,
                     1369ull /* 37^2 */, 2147483647ull * 2147483629ull,
                     4294967291ull * 4294967279ull, 18446744073709551615ull})
    CHECK_FALSE(is_prime(c));
}
