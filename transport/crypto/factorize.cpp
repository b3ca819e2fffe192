// pq factorization for the handshake: Pollard's rho with Brent's cycle
// detection and batched gcds, on 64-bit integers in Montgomery form.
//
// Deterministic on purpose (fixed start values, then the next constant c on
// failure): sans-I/O code takes no hidden randomness, and the result does not
// depend on it anyway since the smallest prime factor is returned.
#include "mtsender/transport/crypto/factorize.hpp"

#include <stdexcept>
#include <string>

namespace mtsender::crypto {

namespace {

__extension__ typedef unsigned __int128 u128;

uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) noexcept {
  return uint64_t(u128(a) * b % m);
}

uint64_t powmod(uint64_t base, uint64_t exp, uint64_t m) noexcept {
  uint64_t result = 1 % m;
  base %= m;
  while (exp > 0) {
    if (exp & 1)
      result = mulmod(result, base, m);
    base = mulmod(base, base, m);
    exp >>= 1;
  }
  return result;
}

uint64_t gcd(uint64_t a, uint64_t b) noexcept {
  while (b != 0) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Montgomery multiplication modulo an odd n with R = 2^64, so the rho loop
// needs no 128-bit division (~10x the cost of a multiply). This is the
// subtractive form: it works for every odd n < 2^64, not only n < 2^62.
class montgomery {
public:
  explicit montgomery(uint64_t n) noexcept : n_(n), inv_(n) {
    for (int i = 0; i < 5; ++i)  // Newton: each step doubles the correct bits
      inv_ *= 2 - n * inv_;      // n * inv_ == 1 (mod 2^64) at the end
  }
  // a * b / R (mod n), for a, b < n.
  uint64_t mul(uint64_t a, uint64_t b) const noexcept {
    u128 t = u128(a) * b;
    uint64_t m = uint64_t(t) * inv_;
    uint64_t hi = uint64_t(t >> 64), mn_hi = uint64_t((u128(m) * n_) >> 64);
    return hi >= mn_hi ? hi - mn_hi : hi - mn_hi + n_;
  }

private:
  uint64_t n_, inv_;
};

// A non-trivial divisor of the odd composite n, or 0 if this c failed.
//
// The walk runs in Montgomery form: y -> y^2 / R + c is as good a random map
// as y -> y^2 + c, and differences keep their gcd with n (R is prime to n).
uint64_t brent(uint64_t n, uint64_t c) noexcept {
  constexpr uint64_t batch = 128;
  const montgomery mont{n};
  auto f = [&](uint64_t v) {
    uint64_t r = mont.mul(v, v);
    return r >= n - c ? r - (n - c) : r + c;  // (r + c) mod n without overflow
  };
  uint64_t y = 2, x = 2, ys = 2, q = 1, g = 1;
  for (uint64_t r = 1; g == 1; r <<= 1) {
    x = y;
    for (uint64_t i = 0; i < r; ++i)
      y = f(y);
    for (uint64_t k = 0; k < r && g == 1; k += batch) {
      ys = y;
      for (uint64_t i = 0; i < batch && i < r - k; ++i) {
        y = f(y);
        q = mont.mul(q, x > y ? x - y : y - x);
      }
      g = gcd(q, n);
    }
    if (r > (uint64_t(1) << 40))
      return 0;  // cannot happen for 64-bit n; bounds the loop regardless
  }
  if (g == n) {
    // The batch overshot (or q hit 0): step again one at a time from the
    // saved point.
    do {
      ys = f(ys);
      g = gcd(x > ys ? x - ys : ys - x, n);
    } while (g == 1);
  }
  return g == n ? 0 : g;
}

// The smallest prime factor of n >= 2.
uint64_t smallest_prime_factor(uint64_t n) {
  for (uint64_t p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37})
    if (n % p == 0)
      return p;
  if (is_prime(n))
    return n;
  for (uint64_t c = 1; c < 1000; ++c) {
    uint64_t d = brent(n, c);
    if (d != 0) {
      uint64_t a = smallest_prime_factor(d);
      uint64_t b = smallest_prime_factor(n / d);
      return a < b ? a : b;
    }
  }
  throw std::runtime_error("factorize_pq: Pollard-Brent found no factor of "
                           + std::to_string(n));
}

} // namespace

// Miller-Rabin with the first 12 primes as bases: deterministic for every
// n < 3.3 * 10^24, so for all 64-bit n.
bool is_prime(uint64_t n) noexcept {
  if (n < 2)
    return false;
  static constexpr uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  for (uint64_t p : bases) {
    if (n % p == 0)
      return n == p;
  }
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : bases) {
    uint64_t x = powmod(a, d, n);
    if (x == 1 || x == n - 1)
      continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = mulmod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite)
      return false;
  }
  return true;
}

std::pair<uint64_t, uint64_t> factorize_pq(uint64_t pq) {
  if (pq < 2)
    throw std::invalid_argument("factorize_pq: pq = " + std::to_string(pq)
                                + " has no prime factors");
  uint64_t p = smallest_prime_factor(pq);
  if (p == pq)
    throw std::invalid_argument("factorize_pq: pq = " + std::to_string(pq)
                                + " is prime");
  return {p, pq / p};
}

} // namespace mtsender::crypto
