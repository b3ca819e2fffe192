#!/usr/bin/env bash
# Builds the quickstart and the local test server, starts mtproto-test-dc
# (DCs 2 and 4 on free ports, a fresh RSA key, Telegram's rules on), runs the
# quickstart against it (a bot login, a call on DC 4 and one there that needs
# the login) and stops the server. Exits non-zero when anything fails.
#
#   bash examples/run_quickstart.sh [BUILD_DIR]      # default: build/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${1:-$root/build}"

bash "$root/cmake/install_deps.sh"
cmake -S "$root" -B "$build" -DMTSENDER_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j2 --target quickstart mtproto-test-dc

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$build/tests/mtproto-test-dc" --listen 2=127.0.0.1:0 --listen 4=127.0.0.1:0 \
  --rsa-key "$work/key.pem" \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

# Wait for: listening dc=2 127.0.0.1:PORT fingerprint=HEX
port=""
for _ in $(seq 1 100); do
  line="$(grep -m1 '^listening dc=2 ' "$work/server.out" 2>/dev/null || true)"
  if [[ -n "$line" ]]; then
    port="$(sed -E 's/^listening dc=2 [^ ]+:([0-9]+) .*/\1/' <<<"$line")"
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run_quickstart: mtproto-test-dc exited early:" >&2
    cat "$work/server.err" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "run_quickstart: mtproto-test-dc did not report its port" >&2
  exit 1
fi
echo "run_quickstart: test server on 127.0.0.1:$port ($line)"
# The DCs are printed together: DC 4's line is there too.
port4="$(sed -nE 's/^listening dc=4 [^ ]+:([0-9]+) .*/\1/p' "$work/server.out")"

status=0
"$build/examples/quickstart" --host 127.0.0.1 --port "$port" --dc 2 \
  --key "$work/key.pub.pem" --session "$work/quickstart.session" \
  --bot-token 123456:quickstart-secret --dc2 "4=127.0.0.1:$port4" | tee "$work/quickstart.out" \
  || status=$?
if [[ $status -ne 0 ]]; then
  echo "run_quickstart: quickstart failed with status $status" >&2
  exit "$status"
fi
if ! grep -q '^nearestDc: ' "$work/quickstart.out"; then
  echo "run_quickstart: no nearestDc answer in the output" >&2
  exit 1
fi
if ! grep -q '^logged in as bot 123456' "$work/quickstart.out"; then
  echo "run_quickstart: the bot login did not succeed" >&2
  exit 1
fi
if ! grep -q '^second DC: this_dc=4' "$work/quickstart.out"; then
  echo "run_quickstart: no answer from the second DC" >&2
  exit 1
fi
if ! grep -q '^second DC authorized: updates.state' "$work/quickstart.out"; then
  echo "run_quickstart: no authorized call on the second DC (export/import of the login)" >&2
  exit 1
fi
echo "run_quickstart: ok"
