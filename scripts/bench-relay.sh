#!/usr/bin/env bash
# Relay benchmark (not a test): onaird vs nginx-rtmp push, 1/3/5 destinations, prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
cargo build --release --locked --workspace --bin onaird --bin bench
ONAIR_BIN=target/release/onaird target/release/bench
