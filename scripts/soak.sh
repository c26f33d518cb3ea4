#!/usr/bin/env bash
# Soak (not a test): `scripts/soak.sh MINUTES` (default 15) runs a show on a flaky uplink against a
# release onaird and prints its RSS, threads and open files every 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
cargo build --release --locked --workspace --bin onaird --bin soak
ONAIR_BIN=target/release/onaird target/release/soak "${1:-15}"
