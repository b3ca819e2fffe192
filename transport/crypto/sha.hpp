// SHA-1 and SHA-256 with reusable contexts.
//
// A one-shot OpenSSL call allocates a context each time and costs ~3x on small
// inputs; these keep one context per object:
//
//   sha256 h;                 // keep it (e.g. per session)
//   h.update(a); h.update(b);
//   auto digest = h.finish(); // resets, ready for the next message
#pragma once

#include "mtsender/transport/bytes.hpp"

#include <memory>

namespace mtsender::crypto {

using sha1_digest = std::array<uint8_t, 20>;
using sha256_digest = std::array<uint8_t, 32>;

class sha1 {
public:
  sha1();
  ~sha1();
  sha1(sha1&&) noexcept;
  sha1& operator=(sha1&&) noexcept;
  sha1& update(byte_view data);
  sha1_digest finish();                     // then ready for new input
  static sha1_digest hash(byte_view data);  // uses a thread-local context

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

class sha256 {
public:
  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;
  sha256& update(byte_view data);
  sha256_digest finish();
  static sha256_digest hash(byte_view data);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace mtsender::crypto
