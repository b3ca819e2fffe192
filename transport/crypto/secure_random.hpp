// A CSPRNG (OpenSSL RAND_bytes) behind a buffer, so a message's padding does
// not pay a RAND_bytes call (~0.6 µs) each time.
//
// Not thread-safe: keep one per session or per thread. Fork-safe: a child
// process never hands out bytes buffered before fork() (the parent would
// hand out the same ones). A pthread_atfork handler bumps a process-wide
// generation count in the child; fill() compares it with the pool's (one
// relaxed atomic load) and drops a pool from before the fork.
#pragma once

#include "mtsender/transport/random.hpp"

#include <array>
#include <cstdint>

namespace mtsender::crypto {

class secure_random final : public random_source {
public:
  secure_random();
  ~secure_random() override;  // wipes the unused pool
  void fill(uint8_t* out, size_t n) override;

private:
  void refill();
  std::array<uint8_t, 4096> pool_{};
  size_t used_ = sizeof(pool_);
  uint64_t generation_ = 0;  // the fork generation the pool was drawn in
};

} // namespace mtsender::crypto
