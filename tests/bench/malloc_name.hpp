// Which malloc this benchmark process runs on, for the first lines of its
// report: glibc's, or jemalloc when the program was linked with it or
// started with LD_PRELOAD=libjemalloc.so.2. The actor paths pass every
// request's messages between threads, and the two allocators differ by about
// 15% of the client's CPU there (README, "Speed: what the caller's settings
// cost"), so a figure means little without it.
//
//   std::printf("malloc: %s\n", bench::malloc_name().c_str());
#pragma once

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <cstddef>
#include <string>

namespace mtsender::bench {

inline std::string malloc_name() {
  // jemalloc exports mallctl(); glibc has no such symbol.
  using mallctl_fn = int (*)(const char*, void*, size_t*, void*, size_t);
  if (auto* ctl = reinterpret_cast<mallctl_fn>(::dlsym(RTLD_DEFAULT, "mallctl"))) {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (ctl("version", &version, &len, nullptr, 0) == 0 && version)
      return std::string{"jemalloc "} + version;
    return "jemalloc (version unknown)";
  }
  return std::string{"glibc "} + ::gnu_get_libc_version();
}

} // namespace mtsender::bench
