#!/usr/bin/env bash
# Runs every test: unit and end-to-end (real ffmpeg, nginx-rtmp, ...), then each suite in tests/suites/.
# Installs what is missing first. Benchmarks, soak and image boot tests have their own commands.
# A suite script prints a line "N passed, N failed" at its end; the totals close the run.
set -uo pipefail
cd "$(dirname "$0")/.."
set -e
scripts/install-deps.sh run test
if [ -f web/package.json ]; then
  scripts/build-web.sh
fi
cargo build --locked --bins
set +e
log=$(mktemp)
status=0
# Habits, counted like tests: the code as rustfmt writes it (rustfmt.toml), and no clippy warning.
lint_failed=0
cargo clippy --version >/dev/null 2>&1 && cargo fmt --version >/dev/null 2>&1 || rustup component add clippy rustfmt
cargo fmt --all --check || lint_failed=$((lint_failed + 1))
(cd fuzz && cargo fmt --check) || lint_failed=$((lint_failed + 1))
cargo clippy --locked --workspace --all-targets -- -D warnings || lint_failed=$((lint_failed + 1))
echo "lint: $((3 - lint_failed)) passed, $lint_failed failed" | tee -a "$log"
[ "$lint_failed" -eq 0 ] || status=1
cargo test --locked --workspace --lib --bins --tests --no-fail-fast -- --test-threads="${ONAIR_TEST_THREADS:-2}" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
for suite in tests/suites/*.sh; do
  [ -e "$suite" ] || continue
  echo "== $suite"
  bash "$suite" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
# cargo's "test result:" lines and each suite's closing "name: N passed, N failed" line.
sums=$(grep -E '^test result:|^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log")
passed=$(echo "$sums" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' | paste -sd+ - | bc)
failed=$(echo "$sums" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | paste -sd+ - | bc)
rm -f "$log"
echo "total: ${passed:-0} passed, ${failed:-0} failed"
exit $status
