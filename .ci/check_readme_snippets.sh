#!/usr/bin/env bash
# Compiles the C++ snippets of README.md against an installed caf-mtsender, so
# the documentation cannot drift from the code.
#
#   bash .ci/check_readme_snippets.sh PREFIX [WORK_DIR]   # PREFIX: cmake --install's
#
# The rule (also in README.md, next to the tour):
#  1. Every block fenced ```cpp is compiled; other fences (```sh, ```cmake,
#     plain ```) are not.
#  2. Blocks are one program, in README order, so later snippets use what
#     earlier ones declared (the tour's `sys`, `pool`, `pc`, `self`, `req`).
#     A block whose first line starts with `// new program` starts a new
#     program instead.
#  3. In a program, lines starting with `#include` or `using namespace` go to
#     file scope, in order. A line ending with the comment `// file scope`
#     starts a declaration that goes to file scope too (a function, a struct):
#     it runs up to and including the next line that starts with `}` in
#     column 0, or is that line alone when it ends with `;`. Every other line
#     goes, in order, into the body of one function.
#  4. Each program is compiled with -std=c++17 -Wall -Wextra -Wpedantic
#     -Werror (unused names only warn: snippets show placeholders) against
#     find_package(mtsender COMPONENTS test_dc), linked to mtsender::test_dc
#     (which brings mtsender::mtsender), and not run.
# Errors point at README.md lines (#line) and name the snippet they are in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(cd "${1:?usage: check_readme_snippets.sh PREFIX [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d)}
readme=$root/README.md
mkdir -p "$work/src"
rm -f "$work/src"/*.cpp "$work/snippets.txt"

awk -v out="$work/src" -v map="$work/snippets.txt" '
function emit(arr, tu, text) { arr[tu] = arr[tu] "#line " NR " \"README.md\"\n" text "\n" }
BEGIN { tu = 0; n = 0; inblock = 0; heading = "(top)" }
/^##+ / && !inblock { heading = $0; sub(/^#+ /, "", heading) }
!inblock && /^```cpp[ \t]*$/ {
  inblock = 1; first = 1; n++; start[n] = NR + 1; head[n] = heading; fs = 0
  next
}
inblock && /^```[ \t]*$/ {
  inblock = 0; stop[n] = NR - 1; prog[n] = tu
  printf "snippet %d: README.md lines %d-%d, program %d, under \"%s\"\n", n, start[n], stop[n], tu, head[n] > map
  next
}
inblock {
  if (first) {
    first = 0
    if (tu == 0 || $0 ~ /^\/\/ new program/) tu++
  }
  if (fs) {
    emit(filescope, tu, $0)
    if ($0 ~ /^}/) fs = 0
  } else if ($0 ~ /^#include/) {
    emit(includes, tu, $0)
  } else if ($0 ~ /^using namespace /) {
    emit(usings, tu, $0)
  } else if ($0 ~ /\/\/ file scope[ \t]*$/) {
    emit(filescope, tu, $0)
    code = $0; sub(/\/\/ file scope[ \t]*$/, "", code); sub(/[ \t]+$/, "", code)
    if (code !~ /;$/) fs = 1
  } else {
    emit(body, tu, "  " $0)
  }
}
END {
  if (inblock) { print "check_readme_snippets: README.md: a ```cpp block is never closed" > "/dev/stderr"; exit 1 }
  for (t = 1; t <= tu; t++) {
    f = out "/readme_program_" t ".cpp"
    printf "// Generated from README.md by .ci/check_readme_snippets.sh: program %d.\n", t > f
    printf "%s%s%s", includes[t], usings[t], filescope[t] > f
    printf "void readme_program_%d();\nvoid readme_program_%d() {\n%s}\n\nint main() {}\n", t, t, body[t] > f
    close(f)
  }
  if (n == 0) { print "check_readme_snippets: README.md has no ```cpp blocks" > "/dev/stderr"; exit 1 }
}' "$readme"

programs=$(ls "$work/src" | wc -l)
cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(mtsender_readme_snippets LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
find_package(mtsender REQUIRED COMPONENTS test_dc)
file(GLOB srcs ${CMAKE_SOURCE_DIR}/src/*.cpp)
foreach(src IN LISTS srcs)
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wpedantic -Werror
    -Wno-error=unused-parameter -Wno-error=unused-variable
    -Wno-error=unused-but-set-variable)
  target_link_libraries(${name} PRIVATE mtsender::test_dc)
endforeach()
CMAKE

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# A fresh build folder: a cached mtsender_DIR would point at an older prefix.
rm -rf "$work/build"
cmake -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" >/dev/null
if ! cmake --build "$work/build" -j "$(nproc)" -- -k >"$work/build.log" 2>&1; then
  # Name the snippet of each README line an error points at.
  grep -E 'README\.md:[0-9]+:[0-9]+: (fatal )?error:' "$work/build.log" | head -20 |
    while IFS= read -r line; do
      at=$(sed -E 's/.*README\.md:([0-9]+).*/\1/' <<<"$line")
      which=$(awk -v at="$at" '{ split($5, r, "-"); sub(/,/, "", r[2]); sub(/:/, "", $2);
                 if (at + 0 >= r[1] + 0 && at + 0 <= r[2] + 0) print $1 " " $2 }' \
                 "$work/snippets.txt")
      echo "README ${which:-snippet ?} (line $at): ${line#*README.md:}" >&2
    done
  grep -E ': (fatal )?error:|undefined reference' "$work/build.log" | grep -v 'README\.md:' | head -10 >&2 || true
  echo "check_readme_snippets: README.md snippets do not compile (sources: $work/src, log: $work/build.log)" >&2
  cat "$work/snippets.txt" >&2
  exit 1
fi
echo "check_readme_snippets: $(wc -l <"$work/snippets.txt") snippets in $programs program(s) compile and link"
