#!/usr/bin/env bash
# Interop check of mtproto-test-dc against gramjs (a third-party MTProto client).
# Not run by ctest or CI: it needs npm and the npm registry. See README.md here.
#
#   tests/interop/gramjs_check.sh [BUILD_DIR] [-- extra args for gramjs_check.js]
#
# BUILD_DIR defaults to ./build; it must hold tests/mtproto-test-dc
# (cmake --build BUILD_DIR --target mtproto-test-dc). Environment:
#   GRAMJS_VERSION  npm version of "telegram" to test (default pinned below)
#   GRAMJS_DIR      reuse a folder that already has node_modules/telegram
#                   (skips npm install; nothing is deleted afterwards)
#   TRANSPORTS      comma list of gramjs transports (default full,abridged,obfuscated)
#   VERBOSE=1       server --verbose log and gramjs debug log on the console
# Exit status: 0 all steps passed, 1 a step failed, 2 setup failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${1:-build}"
[[ $# -gt 0 ]] && shift
[[ "${1:-}" == "--" ]] && shift
gramjs_version="${GRAMJS_VERSION:-2.26.22}"
transports="${TRANSPORTS:-full,abridged,obfuscated}"

server_bin="$build_dir/tests/mtproto-test-dc"
if [[ ! -x "$server_bin" ]]; then
  echo "gramjs_check: $server_bin not found; build the target mtproto-test-dc first" >&2
  exit 2
fi
command -v node >/dev/null || { echo "gramjs_check: node not found" >&2; exit 2; }

work="$(mktemp -d -t gramjs-check.XXXXXX)"
server_pid=""
skewed_pid=""
cleanup() {
  for pid in $server_pid $skewed_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -n "${GRAMJS_DIR:-}" ]]; then
  node_dir="$GRAMJS_DIR"
else
  node_dir="$work/npm"
  mkdir -p "$node_dir"
  echo "gramjs_check: npm install telegram@$gramjs_version into $node_dir"
  (cd "$node_dir" && npm init -y >/dev/null &&
    npm install --no-audit --no-fund --loglevel=error "telegram@$gramjs_version" >/dev/null) || {
    echo "gramjs_check: npm install failed" >&2
    exit 2
  }
fi
[[ -d "$node_dir/node_modules/telegram" ]] || {
  echo "gramjs_check: no node_modules/telegram in $node_dir" >&2
  exit 2
}

# wait_listening OUT_FILE PID: prints the server's "listening dc=2 ..." line.
wait_listening() {
  local line=""
  for _ in $(seq 1 100); do
    line="$(grep -m1 '^listening dc=2 ' "$1" || true)"
    [[ -n "$line" ]] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$line"
}

server_args=(--listen 2=127.0.0.1:0 --rsa-key "$work/key.pem")
[[ -n "${VERBOSE:-}" ]] && server_args+=(--verbose)
"$server_bin" "${server_args[@]}" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
line="$(wait_listening "$work/server.out" "$server_pid")"
if [[ -z "$line" ]]; then
  echo "gramjs_check: server did not start:" >&2
  cat "$work/server.err" >&2
  exit 2
fi
# listening dc=2 127.0.0.1:PORT fingerprint=HEX
endpoint="$(sed -E 's/^listening dc=2 ([^ ]+) .*/\1/' <<<"$line")"
fingerprint="$(sed -E 's/.*fingerprint=([0-9a-fA-F]+).*/\1/' <<<"$line")"
host="${endpoint%:*}"
port="${endpoint##*:}"
echo "gramjs_check: server at $host:$port fingerprint $fingerprint"

# A second server, same key, clock one hour ahead (time-sync checks).
"$server_bin" "${server_args[@]}" --clock-offset 3600 >"$work/skewed.out" 2>"$work/skewed.err" &
skewed_pid=$!
line="$(wait_listening "$work/skewed.out" "$skewed_pid")"
if [[ -z "$line" ]]; then
  echo "gramjs_check: second server (--clock-offset 3600) did not start:" >&2
  cat "$work/skewed.err" >&2
  exit 2
fi
skewed_port="$(sed -E 's/^listening dc=2 [^ ]+:([0-9]+) .*/\1/' <<<"$line")"
echo "gramjs_check: clock-skewed server at port $skewed_port"

verbose_flag=()
[[ -n "${VERBOSE:-}" ]] && verbose_flag=(--verbose)
status=0
NODE_PATH="$node_dir/node_modules" node "$here/gramjs_check.js" \
  --host "$host" --port "$port" --dc 2 --pub "$work/key.pub.pem" \
  --fingerprint "$fingerprint" --skewed-port "$skewed_port" --transports "$transports" \
  "${verbose_flag[@]}" "$@" || status=$?

for pid in $server_pid $skewed_pid; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "gramjs_check: FAIL a server (pid $pid) died during the check" >&2
    status=1
  fi
done
# Stop both servers the normal way (SIGTERM): each must exit 0, and a
# sanitizer build must report nothing (leaks are only reported at exit).
for pid in $server_pid $skewed_pid; do
  kill "$pid" 2>/dev/null || true
  server_status=0
  wait "$pid" 2>/dev/null || server_status=$?
  if [[ $server_status -ne 0 ]]; then
    echo "gramjs_check: FAIL server pid $pid exited with status $server_status" >&2
    status=1
  fi
done
server_pid=""
skewed_pid=""
if grep -lE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$work/server.err" "$work/skewed.err" >&2; then
  echo "gramjs_check: FAIL sanitizer report in the server log (above)" >&2
  status=1
fi
if [[ $status -ne 0 || -n "${VERBOSE:-}" ]]; then
  echo "---- server stderr (last 60 lines) ----"
  tail -n 60 "$work/server.err"
  echo "---- clock-skewed server stderr (last 20 lines) ----"
  tail -n 20 "$work/skewed.err"
fi
exit "$status"
