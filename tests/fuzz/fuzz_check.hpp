// The failure of a fuzz target: an invariant that did not hold.
//
// FUZZ_CHECK prints what broke and aborts, which libFuzzer reports as a crash
// and saves the input as the reproducer (see tests/fuzz/run_fuzz.sh). It is
// not an assert(): it stays on in every build type.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace mtsender::fuzz {

[[noreturn]] inline void fuzz_failure(const char* file, int line, const char* expr,
                                      const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: fuzz invariant failed: %s\n  %s\n", file, line, expr,
               detail.c_str());
  std::fflush(stderr);
  std::abort();
}

} // namespace mtsender::fuzz

#define FUZZ_CHECK(cond, detail)                                                        \
  do {                                                                                  \
    if (!(cond))                                                                        \
      ::mtsender::fuzz::fuzz_failure(__FILE__, __LINE__, #cond, std::string(detail));    \
  } while (false)
