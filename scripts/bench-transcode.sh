#!/usr/bin/env bash
# Transcode benchmark (not a test): onaird's per-destination transcodes next to ffmpeg doing the
# same vertical crop and encode from the same 1080p30 feed; prints a table. BENCH_SECS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
cargo build --release --locked --workspace --bin onaird --bin bench-transcode
ONAIR_BIN=target/release/onaird target/release/bench-transcode
