// Helpers shared by the TL tests: catching the decode_error a call must throw.
#pragma once

#include "mtsender/transport/bytes.hpp"
#include "mtsender/transport/tl/decode_error.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

namespace mtsender::tl::test {

// Runs `f`, which must throw tl::decode_error; returns it (fails otherwise).
template <class F>
decode_error catch_decode_error(F&& f) {
  try {
    f();
  } catch (const decode_error& e) {
    return e;
  } catch (const std::exception& e) {
    FAIL("expected tl::decode_error, got another exception: " << e.what());
  }
  FAIL("expected tl::decode_error, nothing was thrown");
  throw std::logic_error("unreachable");
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline byte_buffer concat(byte_view a, byte_view b) {
  byte_buffer out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

} // namespace mtsender::tl::test
