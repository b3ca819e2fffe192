#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (in build-fuzz/, only
# the transport/ and store/ sources they need) and runs each one for a while,
# starting from its committed seed corpus. A failed invariant, a sanitizer
# report, a crash or a hang fails the script, which then prints the input
# that did it (hex and base64) and the command that replays it.
#
#   bash tests/fuzz/run_fuzz.sh                  # every target, 12 s each (CI)
#   bash tests/fuzz/run_fuzz.sh 600 session tl   # 10 minutes each of two targets
#
# Installs clang and libFuzzer (Debian: clang, libclang-rt-14-dev) if missing.
# New inputs the fuzzer finds go to build-fuzz/fuzz-runs/<target>/corpus, kept
# between runs; the committed seeds in tests/fuzz/corpus are only read.
# MTSENDER_FUZZ_BUILD_DIR picks another build folder.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-12}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(codec tl session handshake store)
build=${MTSENDER_FUZZ_BUILD_DIR:-$here/build-fuzz}

bash "$here/cmake/install_deps.sh" fuzz
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DMTSENDER_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMTSENDER_BUILD_TESTS=OFF \
  -DMTSENDER_BUILD_EXAMPLES=OFF -DMTSENDER_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz

failed=()
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/${t}_fuzz
  work=$build/fuzz-runs/$t
  rm -rf "$work/artifacts"
  mkdir -p "$work/corpus" "$work/artifacts"
  # The handshake runs ~100 inputs a second: let it use whole scripts at
  # once instead of growing the length limit slowly.
  extra=()
  [[ "$t" == handshake ]] && extra=(-len_control=0 -max_len=128)
  set +e
  "$exe" "${extra[@]}" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/tests/fuzz/corpus/$t" \
    >"$work/log" 2>&1
  status=$?
  set -e
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1 || true)
  rate=$(grep -E '^stat::average_exec_per_sec' "$work/log" | awk '{print $2}' || true)
  if ((status == 0)); then
    echo "fuzz $t: ok, ${seconds}s, ${rate:-?} exec/s: ${done_line:-no summary}"
    continue
  fi
  failed+=("$t")
  echo "fuzz $t: FAILED (exit $status); the end of its log:"
  grep -v -E '^(INFO|#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|[[:space:]]+NEW_FUNC)' "$work/log" \
    | tail -n 40
  for a in "$work"/artifacts/*; do
    [[ -e "$a" ]] || continue
    echo "reproducer $(basename "$a") ($(wc -c <"$a") bytes):"
    od -An -tx1 -v "$a" | head -n 64
    echo "base64: $(base64 -w0 "$a")"
    echo "replay: $exe $a"
    echo "(or: echo '$(base64 -w0 "$a")' | base64 -d > crash.bin && $exe crash.bin)"
  done
done

if ((${#failed[@]})); then
  echo "fuzz targets that failed: ${failed[*]}"
  exit 1
fi
