// Typed invoke: send a generated API function to the pool and get its typed
// result (mtsender/api/..., generated from the schema).
//
//   #include "mtsender/api/help/getConfig.hpp"
//   #include "mtsender/messages/invoke.hpp"
//
//   auto h = invoke(self, pool, 2, api::help::getConfig{});
//   h.then([=](api::config& cfg) { ... },   // F::result_type
//          [=](caf::error& e) { ... });     // the pool's typed errors
//   self->send(pool, cancel_atom::value, h.token());   // errc::cancelled, once
//
// `self` is an event-based actor (`.then`) or a caf::scoped_actor
// (`.receive`). A function whose result type has one constructor gives that
// constructor (help.getConfig -> api::config); others give the boxed type
// (help.getNearestDc -> api::nearestDc, messages.getHistory ->
// api::messages::Messages). The function is serialized once, straight into
// the request body; an answer that does not decode as the result type is
// errc::malformed_reply naming what was wrong. Every invoke has a token to
// cancel it by: options.token if you gave one, else a new
// next_request_token() (messages/request_token.hpp). The raw invoke
// (rpc_request with a body you wrote) is unchanged.
#pragma once

#include "mtsender/messages/atoms.hpp"
#include "mtsender/messages/error.hpp"
#include "mtsender/messages/request_token.hpp"
#include "mtsender/messages/rpc.hpp"
#include "mtsender/transport/api/boxed.hpp"

#include <caf/duration.hpp>

#include <chrono>
#include <utility>

namespace mtsender {

// The request body of a function, written in place.
template <class F>
rpc_request make_request(const F& f, rpc_options options = {}) {
  rpc_request req;
  req.options = options;
  tl::writer w{req.body};
  api::write_boxed(w, f);
  return req;
}

// The typed result of F from a raw answer; throws tl::decode_error.
template <class F>
typename F::result_type decode_result(const rpc_response& r) {
  tl::reader in{r.bytes};
  auto x = F::read_result(in);
  in.expect_end(F::tl_name);
  return x;
}

// What invoke() returns: CAF's response handle, with typed handlers.
template <class F, class Handle>
class typed_response {
public:
  typed_response(Handle h, uint64_t token) : h_(std::move(h)), token_(token) {}

  // rpc_options::token of the request: (cancel_atom, token) to the pool
  // cancels it.
  uint64_t token() const noexcept { return token_; }

  template <class OnResult, class OnError>
  void then(OnResult on_result, OnError on_error) {
    h_.then(
      [on_result, on_error](rpc_response& r) mutable {
        deliver(r, on_result, on_error);
      },
      [on_error](caf::error& e) mutable { on_error(e); });
  }

  template <class OnResult, class OnError>
  void receive(OnResult on_result, OnError on_error) {
    h_.receive([&](rpc_response& r) { deliver(r, on_result, on_error); },
               [&](caf::error& e) { on_error(e); });
  }

private:
  template <class OnResult, class OnError>
  static void deliver(rpc_response& r, OnResult& on_result, OnError& on_error) {
    typename F::result_type x;
    try {
      x = decode_result<F>(r);
    } catch (const std::exception& e) {
      auto err = make_error(errc::malformed_reply,
                            std::string("answer to ") + F::tl_name + ": " + e.what());
      on_error(err);
      return;
    }
    on_result(x);
  }

  Handle h_;
  uint64_t token_ = 0;
};

// Sends f to DC `dc` through the pool (a dc_pool handle). `timeout` is the
// CAF request timeout: keep it longer than options.deadline_ms.
template <class Self, class Pool, class F>
auto invoke(Self& self, const Pool& pool, int32_t dc, const F& f, rpc_options options = {},
            caf::duration timeout = caf::duration{std::chrono::seconds(60)}) {
  if (options.token == 0)
    options.token = next_request_token();
  const uint64_t token = options.token;
  auto h = self->request(pool, timeout, invoke_atom::value, dc, make_request(f, options));
  return typed_response<F, decltype(h)>(std::move(h), token);
}

} // namespace mtsender
