#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), builds caf-mtsender with its
# tests, and runs every test. This is the README's test command; .ci/run runs
# exactly this first.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${MTSENDER_BUILD_DIR:-$here/build}
jobs=$(nproc)

bash "$here/cmake/install_deps.sh"
# -g1: line tables only. Backtraces and sanitizer reports keep file:line,
# and the CAF-heavy files compile about a third faster than with full -g.
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" ${MTSENDER_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
cd "$build"
# Twice as many tests as cores: most of a test's time is spent waiting on
# loopback sockets and timers.
ctest --output-on-failure -j "$((jobs * 2))" --timeout 300
