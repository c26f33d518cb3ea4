#!/usr/bin/env bash
# Guests benchmark (not a test): join → first frame at a viewer (median of 10), guest → viewer
# latency through the box (frames stamped with the time they were drawn), and the box's CPU and
# memory with 4 guests each watched by 4 viewers (Chromium peers); then the SFU's load with 720p
# 2 Mb/s guests, 4×4, 8×4 and 8×8 (or the GUESTSxVIEWERS pairs given as arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
scripts/ensure-packages.sh chromium
scripts/build-web.sh >/dev/null
cargo build --release --locked --workspace --bin onaird --bin bench-guests-load
cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; }
ONAIR_BIN=../../target/release/onaird node bench-guests.mjs
cd ../..
# The SFU's load at a real camera's bitrate (GStreamer peers: 720p30 VP8 at 2 Mb/s per guest).
ONAIR_BIN=target/release/onaird target/release/bench-guests-load "$@"
