#!/usr/bin/env bash
# Builds the dashboard (web/) into web/dist, which onaird embeds.
set -euo pipefail
cd "$(dirname "$0")/../web"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
