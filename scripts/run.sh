#!/usr/bin/env bash
# Installs what is missing, builds, and runs the box with simulated hardware:
# dashboard on http://localhost:8080, data in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
if [ -f web/package.json ]; then scripts/build-web.sh; fi
cargo build --release --locked --bin onaird
exec target/release/onaird --data-dir ./data --hw sim "$@"
