#!/usr/bin/env bash
# Dashboard: unit tests (Vitest) and browser tests (headless Chromium via playwright-core) against the real box.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-packages.sh chromium
(cd web && [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1; cd web && npx vitest run)
cd tests/browser
[ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null 2>&1
node --test --test-concurrency=1
