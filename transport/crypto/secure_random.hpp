// A CSPRNG (OpenSSL RAND_bytes) behind a buffer, so a message's padding does
// not pay a RAND_bytes call (~0.6 µs) each time.
//
// Not thread-safe: keep one per session or per thread.
#pragma once

#include "mtsender/transport/random.hpp"

#include <array>

namespace mtsender::crypto {

class secure_random final : public random_source {
public:
  secure_random() = default;
  ~secure_random() override;  // wipes the unused pool
  void fill(uint8_t* out, size_t n) override;

private:
  void refill();
  std::array<uint8_t, 4096> pool_{};
  size_t used_ = sizeof(pool_);
};

} // namespace mtsender::crypto
