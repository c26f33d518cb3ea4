#!/usr/bin/env bash
# Regenerates the dashboard's API types (web/src/api/*.ts) from the daemon's Rust types (ts-rs).
# The test of the same name fails whenever the checked-in files and the Rust types differ.
set -euo pipefail
cd "$(dirname "$0")/.."
ONAIR_WRITE_TS=1 cargo test --locked -p onair-daemon --lib ts_bindings -- --quiet
