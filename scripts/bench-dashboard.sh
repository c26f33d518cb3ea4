#!/usr/bin/env bash
# Benchmark (not a test): the dashboard's gzip transfer size on first load, and the delay from a state
# change (pause/resume while live on the test signal) to its arrival on a WebSocket client, median of 100.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/debug/onaird ] || cargo build -q -p onair-daemon --bin onaird
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000))
ONAIR_ADMIN_PASSWORD=benchpass target/debug/onaird --data-dir "$dir" --http 127.0.0.1:$port \
  --rtmp 127.0.0.1:$((port+1)) --srt 127.0.0.1:$((port+2)) --hw none >"$dir/log" 2>&1 &
pid=$!
# A real RTMP sink for the one destination: ffmpeg listening, discarding what it gets.
ffmpeg -nostdin -loglevel error -listen 1 -i "rtmp://127.0.0.1:$((port+3))/live/bench" -f null - >"$dir/sink.log" 2>&1 &
sink=$!; trap 'kill $pid $sink 2>/dev/null; wait $pid $sink 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
node --experimental-websocket --no-warnings scripts/bench-dashboard.mjs "http://127.0.0.1:$port" benchpass "rtmp://127.0.0.1:$((port+3))/live"
