// Dashboard benchmark (not a test): first-load transfer size (gzip) and the delay from a state
// change in the daemon to its arrival on a WebSocket client, median of 100 changes.
import { browser, startDaemon } from "./harness.mjs";

const box = await startDaemon({ password: "bench-password-1" });
let total = 0;
const index = await fetch(`${box.url}/`, { headers: { "Accept-Encoding": "gzip" } });
const html = await index.text();
const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
const { gzipSync } = await import("node:zlib");
for (const p of ["/", ...assets]) {
  const r = await fetch(`${box.url}${p}`);
  const raw = Buffer.from(await r.arrayBuffer());
  const gz = gzipSync(raw, { level: 6 }).length;
  total += gz;
  console.log(`${p.padEnd(40)} ${String(raw.length).padStart(8)} B raw  ${String(gz).padStart(7)} B gzip`);
}
console.log(`first load, gzip: ${(total / 1024).toFixed(1)} KB (target < 250 KB)`);

// The client is a real browser tab, logged in like the streamer.
const br = await browser();
const page = await br.newPage();
await page.goto(box.url);
await page.getByTestId("password").fill("bench-password-1");
await page.getByTestId("login").click();
await page.getByTestId("headline").waitFor();
const delays = await page.evaluate(async () => {
  const ws = new WebSocket(`ws://${location.host}/api/v1/events`);
  await new Promise((r) => (ws.onopen = r));
  let waiting = null;
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (waiting && m.type === "ingest" && m.connected === waiting.want) {
      // Same machine, same clock: the daemon's emission time against the arrival here.
      waiting.done(Date.now() - m.at_ms);
      waiting = null;
    }
  };
  const out = [];
  for (let i = 0; i < 100; i++) {
    const want = i % 2 === 0;
    const got = new Promise((done) => (waiting = { want, done }));
    await fetch("/api/v1/ingest/test-signal", { method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "onair" }, body: JSON.stringify({ enabled: want }) });
    out.push(await got);
  }
  ws.close();
  return out;
});
delays.sort((a, b) => a - b);
console.log(`state change → WebSocket client over 100 changes: median ${delays[50].toFixed(1)} ms, p95 ${delays[95].toFixed(1)} ms (target < 50 ms; from the event bus to the browser tab, millisecond wall clock)`);
await br.close();
box.stop();
process.exit(0);
