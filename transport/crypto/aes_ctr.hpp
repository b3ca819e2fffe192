// AES-256-CTR as a stream cipher, for the obfuscated2 transport.
//
// One object per direction keeps its key stream position across calls, so
// bytes can be fed in any split: apply(a, 3); apply(a + 3, 100) equals
// apply(a, 103).
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <memory>

namespace mtsender::crypto {

class aes_ctr {
public:
  aes_ctr(const int256& key, const int128& iv);
  ~aes_ctr();
  aes_ctr(aes_ctr&&) noexcept;
  aes_ctr& operator=(aes_ctr&&) noexcept;

  // XORs `n` bytes of key stream into data, in place.
  void apply(uint8_t* data, size_t n);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mtsender::crypto
