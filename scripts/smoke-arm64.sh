#!/usr/bin/env bash
# Runs the arm64 onaird under qemu-user with simulated hardware and checks /api/v1/health.
# Needs scripts/build-arm64.sh first (and its sysroot for the arm64 GStreamer libraries).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh qemu-user curl
bin=target/aarch64-unknown-linux-gnu/release/onaird
sysroot=${ONAIR_ARM64_SYSROOT:-$PWD/target/sysroot-arm64}
[ -x "$bin" ] || { echo "build it first: scripts/build-arm64.sh" >&2; exit 1; }
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000))
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
export LD_LIBRARY_PATH="$sysroot/usr/lib/aarch64-linux-gnu:$sysroot/lib/aarch64-linux-gnu"
export GST_PLUGIN_SYSTEM_PATH_1_0="$sysroot/usr/lib/aarch64-linux-gnu/gstreamer-1.0" GST_REGISTRY="$dir/registry.bin"
qemu-aarch64 "$bin" --data-dir "$dir/data" --http "127.0.0.1:$port" --rtmp "127.0.0.1:$((port+1))" --srt off --hw sim >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  if out=$(curl -fsS "http://127.0.0.1:$port/api/v1/health" 2>/dev/null); then
    echo "arm64 onaird under qemu answered: $out"
    file "$bin" | grep -q aarch64
    exit 0
  fi
  sleep 1
done
echo "no answer; log:" >&2; cat "$dir/log" >&2; exit 1
