#!/usr/bin/env bash
# Runs every test: unit and end-to-end (real ffmpeg, nginx-rtmp, ...), then each suite in tests/suites/.
# Installs what is missing first. Benchmarks, soak and image boot tests have their own commands.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run test
if [ -f web/package.json ]; then
  scripts/build-web.sh
fi
cargo build --locked --bins
cargo test --locked --workspace --no-fail-fast -- --test-threads="${ONAIR_TEST_THREADS:-2}"
for suite in tests/suites/*.sh; do
  [ -e "$suite" ] || continue
  echo "== $suite"
  bash "$suite"
done
