#include "mtsender/messages/request_token.hpp"

#include <atomic>
#include <random>

namespace mtsender {

namespace {

uint64_t random_start() {
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ uint64_t(rd());
}

} // namespace

uint64_t next_request_token() noexcept {
  static std::atomic<uint64_t> next{random_start()};
  return next.fetch_add(1, std::memory_order_relaxed) | library_token_bit;
}

} // namespace mtsender
