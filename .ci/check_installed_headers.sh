#!/usr/bin/env bash
# Compiles every header of an installed caf-mtsender alone, against the
# install prefix only (find_package(mtsender COMPONENTS test_dc)): a public
# header that includes an internal (not installed) one, or that forgets one of
# its own includes, fails here, naming the header.
#
#   bash .ci/check_installed_headers.sh PREFIX [WORK_DIR]
#
# One translation unit per header, built with ccache when it is there. The
# generated typed API (include/mtsender/api, about 1,450 headers written by
# one generator) would take minutes on its own: its headers are checked
# through all.hpp, which includes every one of them, plus a sample compiled
# alone; a generator change that breaks one header breaks them alike.
set -euo pipefail
prefix=$(cd "${1:?usage: check_installed_headers.sh PREFIX [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work/src"
rm -f "$work/src"/*.cpp

count=0
while IFS= read -r h; do
  rel=${h#"$prefix/include/"}
  name=$(echo "$rel" | tr '/.' '__')
  printf '#include <%s>\n#include <%s>  // twice: the include guard works\n' "$rel" "$rel" \
    >"$work/src/$name.cpp"
  count=$((count + 1))
done < <(find "$prefix/include/mtsender" -name '*.hpp' | sort \
           | grep -vE '/mtsender/api/' ; \
         printf '%s\n' "$prefix"/include/mtsender/api/{all,types,Config,Updates,Message}.hpp \
           "$prefix"/include/mtsender/api/help/getConfig.hpp \
           "$prefix"/include/mtsender/api/messages/sendMessage.hpp)
if ((count == 0)); then
  echo "check_installed_headers: no headers under $prefix/include/mtsender" >&2
  exit 1
fi

cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(mtsender_installed_headers LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(mtsender REQUIRED COMPONENTS test_dc)
file(GLOB srcs ${CMAKE_SOURCE_DIR}/src/*.cpp)
add_library(headers OBJECT ${srcs})
target_link_libraries(headers PRIVATE mtsender::test_dc)
CMAKE

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# A fresh build folder: a cached mtsender_DIR would point at an older prefix.
rm -rf "$work/build"
cmake -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" >/dev/null
if ! cmake --build "$work/build" -j "$(nproc)" -- -k >"$work/build.log" 2>&1; then
  grep -E ': (fatal )?error:' "$work/build.log" | head -40 >&2
  echo "check_installed_headers: some installed headers do not compile alone (log: $work/build.log)" >&2
  exit 1
fi
echo "check_installed_headers: all $count installed headers compile alone"
