// Splits the handshake's pq (a product of two primes, below 2^63) into p < q,
// with Pollard-Brent's rho in Montgomery arithmetic. Cost grows with
// sqrt(p): ~0.5 ms for a real pq (p ~ 2^30, e.g. the samples-auth_key pq).
#pragma once

#include <cstdint>
#include <utility>

namespace mtsender::crypto {

// Returns {p, q} with p <= q and p * q == pq. Throws std::invalid_argument if
// pq is below 2 or has no factorization into two factors > 1 (pq is prime).
std::pair<uint64_t, uint64_t> factorize_pq(uint64_t pq);

// Deterministic primality for every 64-bit n (Miller-Rabin, first 12 prime
// bases). Also what a test server uses to make its own p and q.
bool is_prime(uint64_t n) noexcept;

} // namespace mtsender::crypto
