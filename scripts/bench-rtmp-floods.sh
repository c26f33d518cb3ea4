#!/usr/bin/env bash
# RTMP flood benchmark (not a test): onaird vs nginx-rtmp under the floods of
# tests/tests/rtmp_hostile.rs, a real ffmpeg feed going through; prints a table. About 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
cargo build --release --locked --workspace --bin onaird --bin bench-floods
ONAIR_BIN=target/release/onaird target/release/bench-floods
