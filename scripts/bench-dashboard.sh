#!/usr/bin/env bash
# Dashboard benchmark (not a test): first-load transfer size and state-change → WebSocket delay.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
scripts/build-web.sh >/dev/null
cargo build --release --locked --bin onaird
cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; }
ONAIR_BIN=../../target/release/onaird node bench-dashboard.mjs
