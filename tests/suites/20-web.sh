#!/usr/bin/env bash
# Dashboard: unit tests (Vitest) and browser tests (headless Chromium via playwright-core) against the
# real box. Ends with "web: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-packages.sh chromium firefox-esr nftables
out=$(mktemp)
(cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; } && NO_COLOR=1 npx vitest run --reporter=verbose 2>&1) | tee "$out"
unit_pass=$(grep -cE '^ +✓' "$out"); unit_fail=$(grep -cE '^ +[×✗]' "$out")
(cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; } && node --test --test-concurrency=1 2>&1) | tee "$out"
b_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out"); b_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out")
rm -f "$out"
pass=$((unit_pass + ${b_pass:-0})); fail=$((unit_fail + ${b_fail:-1}))
echo "web: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
