#!/usr/bin/env bash
# Installs the Debian 12 packages caf-mtsender needs, only those missing.
# `install_deps.sh fuzz` adds clang and libFuzzer for tests/fuzz/run_fuzz.sh.
set -euo pipefail
pkgs=(g++ cmake make libcaf-dev catch2 libssl-dev zlib1g-dev)
if [[ "${1:-}" == fuzz ]]; then
  pkgs+=(clang libclang-rt-14-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
