#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (in build-fuzz/, only
# the transport/ and store/ sources they need) and runs each one, starting
# from its committed seed corpus. A failed invariant, a sanitizer report, a
# crash or a hang fails the script, which then prints the input that did it
# (hex and base64) and the command that replays it.
#
#   bash tests/fuzz/run_fuzz.sh ci               # CI: fixed seed and run count
#   bash tests/fuzz/run_fuzz.sh                  # every target, 12 s each
#   bash tests/fuzz/run_fuzz.sh 600 session tl   # 10 minutes each of two targets
#
# `ci` replays the committed corpus, then runs a fixed number of new inputs
# per target (about 10 s each on a 2-core CI machine) from seed 1 and a fresh
# scratch corpus, so a run does not depend on the machine's speed or on what
# earlier runs found. (libFuzzer is not strictly repeatable even so: coverage
# counts differ a little between runs.) Timed runs explore: run them for
# minutes after changing transport/ or store/, and commit any input that
# failed to tests/fuzz/corpus/<target>/ (named crash_<what>) with the fix,
# where every later run replays it.
#
# Installs clang and libFuzzer (Debian: clang, libclang-rt-14-dev) if missing.
# New inputs timed runs find go to build-fuzz/fuzz-runs/<target>/corpus, kept
# between runs; the committed seeds in tests/fuzz/corpus are only read.
# MTSENDER_FUZZ_BUILD_DIR picks another build folder.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-12}
shift || true
ci=false
[[ "$seconds" == ci ]] && ci=true
# Inputs per target in `ci` mode: about 10 s each at the rates CI sees.
declare -A ci_runs=([codec]=140000 [tl]=200000 [session]=60000 [handshake]=1800 [store]=400000)
targets=("$@")
((${#targets[@]})) || targets=(codec tl session handshake store)
build=${MTSENDER_FUZZ_BUILD_DIR:-$here/build-fuzz}

bash "$here/cmake/install_deps.sh" fuzz
cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DMTSENDER_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMTSENDER_BUILD_TESTS=OFF \
  -DMTSENDER_BUILD_EXAMPLES=OFF -DMTSENDER_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz

# Runs one target; what it says goes to $work/report (printed in target
# order once all are done), its exit status to $work/status.
run_target() {
  local t=$1
  local exe=$build/tests/fuzz/${t}_fuzz
  local work=$build/fuzz-runs/$t
  rm -rf "$work/artifacts" "$work/report" "$work/status"
  mkdir -p "$work/corpus" "$work/artifacts"
  # The handshake runs ~100 inputs a second: let it use whole scripts at
  # once instead of growing the length limit slowly.
  local extra=()
  [[ "$t" == handshake ]] && extra=(-len_control=0 -max_len=128)
  local budget label
  if $ci; then
    # A fresh scratch corpus: what earlier runs found must not change the result.
    rm -rf "$work/corpus" && mkdir -p "$work/corpus"
    budget=(-seed=1 -runs="${ci_runs[$t]}" -reload=0)
    label="seed 1, ${ci_runs[$t]} runs"
  else
    budget=(-max_total_time="$seconds")
    label="${seconds}s"
  fi
  local status=0
  "$exe" "${extra[@]}" "${budget[@]}" -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$here/tests/fuzz/corpus/$t" \
    >"$work/log" 2>&1 || status=$?
  local done_line rate
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1 || true)
  rate=$(grep -E '^stat::average_exec_per_sec' "$work/log" | awk '{print $2}' || true)
  {
    if ((status == 0)); then
      echo "fuzz $t: ok, $label, ${rate:-?} exec/s: ${done_line:-no summary}"
    else
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
    fi
  } >"$work/report"
  echo "$status" >"$work/status"
}

# One target per core at a time: each is one single-threaded process, and
# in `ci` mode its result does not depend on what runs beside it.
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= $(nproc))); do
    wait -n || true
  done
  run_target "$t" &
done
wait

failed=()
for t in "${targets[@]}"; do
  work=$build/fuzz-runs/$t
  cat "$work/report" 2>/dev/null || echo "fuzz $t: FAILED (no report)"
  [[ "$(cat "$work/status" 2>/dev/null)" == 0 ]] || failed+=("$t")
done

if ((${#failed[@]})); then
  echo "fuzz targets that failed: ${failed[*]}"
  exit 1
fi
