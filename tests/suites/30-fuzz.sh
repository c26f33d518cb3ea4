#!/usr/bin/env bash
# Fuzz targets (fuzz/, cargo-fuzz): each target replays its committed corpus (seeds and every crash
# found so far, as regressions), then fuzzes for FUZZ_SUITE_SECONDS (default 10) from a fixed seed.
# Longer runs and the figures: scripts/fuzz.sh. Ends with "fuzz: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/fuzz-env.sh
secs=${FUZZ_SUITE_SECONDS:-10}
pass=0; fail=0
check() { # name, command...
  local name=$1; shift
  if "$@" > "$log" 2>&1; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name"; grep -vE '^#[0-9]+|^INFO:' "$log" | tail -20
  fi
}
log=$(mktemp); work=$(mktemp -d)
trap 'rm -rf "$log" "$work"' EXIT
t0=$SECONDS
if scripts/install-fuzz.sh && fuzz_build; then
  echo "fuzz build: $((SECONDS - t0)) s"
  for t in "${FUZZ_TARGETS[@]}"; do
    mkdir -p "$work/$t"
    check "$t: replays fuzz/corpus/$t ($(ls "fuzz/corpus/$t" | wc -l) inputs)" \
      "$FUZZ_BIN_DIR/$t" "${FUZZ_RUN_FLAGS[@]}" "fuzz/corpus/$t"/*
    check "$t: fuzzes ${secs} s" \
      "$FUZZ_BIN_DIR/$t" "${FUZZ_RUN_FLAGS[@]}" -seed=1 -max_total_time="$secs" -artifact_prefix="$work/" "$work/$t" "fuzz/corpus/$t"
  done
else
  echo "fuzz build failed"; fail=$((fail + 1))
fi
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
