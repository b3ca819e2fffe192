#include "mtsender/transport/crypto/constant_time.hpp"
#include "mtsender/transport/crypto/secure_random.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace mtsender;
using namespace mtsender::crypto;

TEST_CASE("secure_random fills every requested byte across pool refills") {
  secure_random rng;
  // Sizes chosen to straddle the 4096-byte pool and the direct-call threshold.
  for (size_t n : {1, 15, 16, 100, 2047, 2048, 4095, 4096, 5000, 70000}) {
    INFO("size " << n);
    // Fill the same region twice from a sentinel: a byte left untouched would
    // keep its sentinel both times; a fresh random byte matches it only 1/256.
    byte_buffer a(n, 0x5a), b(n, 0xa5);
    rng.fill(a.data(), n);
    rng.fill(b.data(), n);
    size_t same = 0;
    for (size_t i = 0; i < n; ++i)
      same += a[i] == b[i];
    CHECK(same <= n / 16 + 2);
    if (n >= 8)  // equal by chance with probability 2^-64 at most
      CHECK(a != b);
  }
}

TEST_CASE("secure_random is usable through random_source and gives distinct values") {
  secure_random rng;
  random_source& src = rng;
  std::set<uint64_t> seen;
  for (int i = 0; i < 2000; ++i)
    seen.insert(src.next<uint64_t>());
  CHECK(seen.size() == 2000);
  // Byte-value spread over many small draws (the padding use case).
  size_t counts[256] = {};
  for (int i = 0; i < 256 * 64; ++i)
    ++counts[src.next<uint8_t>()];
  for (size_t c : counts)
    CHECK(c > 8);  // mean 64; below 9 is astronomically unlikely
}

TEST_CASE("equal_constant_time") {
  const byte_buffer a = {1, 2, 3, 4};
  byte_buffer b = a;
  CHECK(equal_constant_time(a, b));
  for (size_t i = 0; i < b.size(); ++i) {
    auto c = a;
    c[i] ^= 0x80;
    CHECK_FALSE(equal_constant_time(a, c));
  }
  CHECK_FALSE(equal_constant_time(a, byte_view{a}.sub(0, 3)));
  CHECK(equal_constant_time(byte_view{}, byte_view{}));
  CHECK_FALSE(equal_constant_time(byte_view{}, a));
}

namespace {

// Draws `n` bytes in a forked child and hands them back through a pipe.
byte_buffer draw_in_child(secure_random& rng, size_t n) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: no Catch here, just the bytes.
    ::close(fds[0]);
    byte_buffer b(n);
    rng.fill(b.data(), n);
    ssize_t w = ::write(fds[1], b.data(), n);
    ::_exit(w == ssize_t(n) ? 0 : 1);
  }
  ::close(fds[1]);
  byte_buffer got(n);
  size_t have = 0;
  while (have < n) {
    ssize_t r = ::read(fds[0], got.data() + have, n - have);
    if (r <= 0)
      break;
    have += size_t(r);
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(have == n);
  return got;
}

} // namespace

TEST_CASE("secure_random: parent and forked child never draw the same buffered bytes") {
  secure_random rng;
  byte_buffer warm(16);
  rng.fill(warm.data(), warm.size());  // the pool now holds 4080 unused bytes
  for (size_t n : {size_t(8), size_t(32), size_t(1000)}) {
    INFO("bytes " << n);
    auto child = draw_in_child(rng, n);
    byte_buffer parent(n);
    rng.fill(parent.data(), n);
    // Equal if both took the same bytes from the pool fork() copied; by
    // chance, once in 2^64 at most.
    CHECK(child != parent);
  }
  // Another fork later: the parent's pool was refilled since, still apart.
  auto again = draw_in_child(rng, 64);
  byte_buffer mine(64);
  rng.fill(mine.data(), 64);
  CHECK(again != mine);
}
