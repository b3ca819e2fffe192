// Catch2's runner, compiled once for every test binary.
//
// Catch wraps test names longer than the console width when listing them,
// and ctest's discovery would read each wrapped piece as a test of its own.
#define CATCH_CONFIG_CONSOLE_WIDTH 400
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
