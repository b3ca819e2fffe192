# MTSENDER_FUZZ=ON: every module is compiled with libFuzzer's coverage
# instrumentation and AddressSanitizer + UndefinedBehaviorSanitizer, so the
# fuzz targets in tests/fuzz see (and check) the library code, not only
# themselves. Included before the modules are declared; clang only.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "MTSENDER_FUZZ needs clang (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ in a build folder of its own")
endif()
# UBSan reports abort, so the fuzzer stops and keeps the input.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
