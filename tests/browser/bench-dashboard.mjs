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

// The program preview's cost: onaird's CPU relaying a 1080p30 6 Mbit/s feed (ffmpeg, no re-encode)
// with 0, 1 and 4 previews open (WebSocket clients in the tab that take the fragments; the box's
// side of a preview is the remux and the sends).
const { spawn, execFileSync } = await import("node:child_process");
const { readFileSync, existsSync } = await import("node:fs");
const { join } = await import("node:path");
const { root } = await import("./harness.mjs");
const clip = join(root, "target/test-media/clip_30s_1920x1080_30_6000k.flv");
if (!existsSync(clip)) {
  execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "30", "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-b:v", "6000k", "-maxrate", "6000k", "-bufsize", "12000k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "flv", clip]);
}
await page.evaluate(() => fetch("/api/v1/ingest/test-signal", { method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "onair" }, body: JSON.stringify({ enabled: false }) }));
await page.getByTestId("preview-toggle").click();
const key = await page.evaluate(() => fetch("/api/v1/ingest").then((r) => r.json()).then((j) => j.key));
const ff = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "flv", `rtmp://127.0.0.1:${box.rtmp}/live/${key}`], { stdio: "ignore" });
const ticks = () => readFileSync(`/proc/${box.child.pid}/stat`, "utf8").split(") ")[1].split(" ").slice(11, 13).reduce((a, b) => a + Number(b), 0);
await new Promise((r) => setTimeout(r, 4000));
const secs = 10;
const cpu = async (n) => {
  await page.evaluate((n) => {
    window.previews = Array.from({ length: n }, () => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/feeds/main/live`);
      ws.binaryType = "arraybuffer";
      ws.bytes = 0;
      ws.onmessage = (m) => (ws.bytes += m.data.byteLength ?? 0);
      return ws;
    });
  }, n);
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = ticks();
  await new Promise((r) => setTimeout(r, secs * 1000));
  const used = (ticks() - t0) / 100;
  const kbps = await page.evaluate((secs) => {
    const b = window.previews.reduce((a, w) => a + w.bytes, 0);
    window.previews.forEach((w) => w.close());
    return window.previews.length ? (b * 8) / 1000 / (secs + 2) / window.previews.length : 0;
  }, secs);
  await new Promise((r) => setTimeout(r, 1000));
  return { used, kbps };
};
const base = await cpu(0);
const one = await cpu(1);
const four = await cpu(4);
console.log(`program preview, 1080p30 6 Mbit/s feed, onaird CPU s per ${secs} s: no preview ${base.used.toFixed(2)}, 1 preview ${one.used.toFixed(2)} (${one.kbps.toFixed(0)} kb/s to it), 4 previews ${four.used.toFixed(2)}; per preview ${((four.used - base.used) / 4).toFixed(3)} CPU s per ${secs} s`);
ff.kill("SIGKILL");
await br.close();
box.stop();
process.exit(0);
