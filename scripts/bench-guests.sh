#!/usr/bin/env bash
# Guests benchmark (not a test): join → first frame at a viewer (median of 10), guest → viewer
# latency through the box (frames stamped with the time they were drawn), and the box's CPU and
# memory with 4 guests each watched by 4 viewers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
scripts/ensure-packages.sh chromium
scripts/build-web.sh >/dev/null
cargo build --release --locked --bin onaird
cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; }
ONAIR_BIN=../../target/release/onaird node bench-guests.mjs
