#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) and prints executions and crashes per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# New inputs go to a scratch corpus (fuzz/corpus/ stays as committed); crashing inputs are kept in
# fuzz/artifacts/<target>/. After a crash the target starts again for the time left, so the crash
# count is how many distinct stops it had.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
. scripts/fuzz-env.sh
targets=("${@:-${FUZZ_TARGETS[@]}}")
scripts/install-fuzz.sh
fuzz_build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  execs=0; crashes=0; ran=0
  end=$((SECONDS + secs))
  while [ $SECONDS -lt "$end" ]; do
    left=$((end - SECONDS))
    start=$SECONDS
    "$FUZZ_BIN_DIR/$t" "${FUZZ_RUN_FLAGS[@]}" -max_total_time="$left" -artifact_prefix="fuzz/artifacts/$t/" \
      "$work/$t" "fuzz/corpus/$t" > "$work/$t.log" 2>&1 && rc=0 || rc=$?
    ran=$((ran + SECONDS - start))
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
    execs=$((execs + ${n:-0}))
    if [ "$rc" -ne 0 ]; then
      crashes=$((crashes + 1))
      echo "== $t stopped (exit $rc):" >&2
      grep -E '^(==[0-9]+==|SUMMARY|thread .* panicked|artifact_prefix|Test unit written)' "$work/$t.log" | head -5 >&2 || true
      [ -n "$n" ] || break  # died before printing stats: a second try would die the same way
    fi
  done
  units=$(find "$work/$t" "fuzz/corpus/$t" -type f | wc -l)
  rows+=("$(printf '%-16s %6s %12s %10s %8s %8s' "$t" "$ran" "$execs" "$((execs / (ran > 0 ? ran : 1)))" "$units" "$crashes")")
done
printf '%-16s %6s %12s %10s %8s %8s\n' target seconds executions execs/s corpus crashes
printf '%s\n' "${rows[@]}"
