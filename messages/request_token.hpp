// Tokens for rpc_options::token that the library makes, so every request has
// a handle to cancel it by (cancel_atom, messages/pool_actor.hpp) without the
// caller inventing one. They are unique in the process and unlikely to meet
// another process's (a random start, the top bit set; the top bit is clear
// in tokens a caller counts up from 1, so the two never collide).
//
//   rpc_request req{body, {}};
//   req.options.token = next_request_token();
//   self->request(pool, 30s, invoke_atom::value, int32_t{2}, req) ...;
//   self->request(pool, 5s, cancel_atom::value, req.options.token) ...;
//
// The typed invoke (messages/invoke.hpp) does this by itself: its handle's
// token() is the request's.
#pragma once

#include <cstdint>

namespace mtsender {

inline constexpr uint64_t library_token_bit = uint64_t(1) << 63;

// Never 0; has library_token_bit set. Thread-safe.
uint64_t next_request_token() noexcept;

} // namespace mtsender
