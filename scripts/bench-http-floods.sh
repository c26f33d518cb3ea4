#!/usr/bin/env bash
# HTTP flood benchmark (not a test): /health p95 and peak RSS with no flood, under 1000 slowloris
# connections and under 1000 grid long-polls, onaird next to nginx's HTTP server. Loopback only;
# about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
cargo build --release --locked --workspace --bin onaird --bin bench-http
ONAIR_BIN=target/release/onaird target/release/bench-http
