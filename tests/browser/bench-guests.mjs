// Guests benchmark (not a test; run with scripts/bench-guests.sh). Publisher and viewers are real
// Chromium peers on loopback; the box is the release build.
//
// Latency method: the publisher sends a canvas stream in which every frame carries the time it was
// drawn (performance.now(), 24 bits of milliseconds as black/white blocks, with the complement in a
// second row as a check). The viewer, in the same page (same clock), decodes the blocks of each
// frame it renders (requestVideoFrameCallback) and takes now − stamp: capture → encode → network →
// the box's SFU → network → decode → render. Frames whose check row does not match are skipped.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { apiClient, browser, startDaemon } from "./harness.mjs";

const PASSWORD = "bench-guests-1";
const box = await startDaemon({ password: PASSWORD });
const api = await apiClient(box, PASSWORD);
// The box's view token opens every guest's WHEP (as the OBS grid has it).
const viewK = (await api("GET", "/api/v1/guests/view-links")).json.grid.token;
const br = await browser({ fakeMedia: true });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];

async function invite(name) {
  const r = await api("POST", "/api/v1/guests/invites", { name, expires_in_s: 3600, max_uses: 100 });
  return r.json.token;
}

// Shared page code: WHIP publish (camera or stamped canvas) and WHEP play.
const lib = `
window.viewK = ${JSON.stringify(viewK)};
window.gather = (pc) => new Promise((r) => { if (pc.iceGatheringState === "complete") return r(); pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && r()); setTimeout(r, 2000); });
window.publish = async (token, stream) => {
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: "sendonly", streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer()); await gather(pc);
  const res = await fetch("/whip/" + token, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  return { pc, id: res.headers.get("Location").split("/").pop() };
};
window.play = async (id, video) => {
  // As an OBS source open on the guest does: ask at once; the box answers when the guest's media flows.
  for (;;) {
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    pc.addTransceiver("video", { direction: "recvonly" }); pc.addTransceiver("audio", { direction: "recvonly" });
    const ms = new MediaStream(); pc.ontrack = (e) => { ms.addTrack(e.track); video.srcObject = ms; };
    await pc.setLocalDescription(await pc.createOffer()); await gather(pc);
    const g1 = performance.now();
    const res = await fetch("/whep/guests/" + id + "?k=" + encodeURIComponent(viewK), { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
    if (res.status === 409) { pc.close(); continue; } // still no media after the box's 10 s wait
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    window.whepMs = performance.now() - g1;
    window.whepLocation = res.headers.get("Location");
    return pc;
  }
};
// The first decoded frame: the element has a picture (polled every 2 ms; requestVideoFrameCallback on
// an element without a stream yet crashes this Chromium).
// A 640×360 canvas stream whose every frame carries clock() (24 bits of ms as black/white blocks in
// rows 0–119, their complement in rows 180–299 as a check).
window.stamped = (clock) => {
  const W = 640, H = 360, BITS = 24, BW = Math.floor(W / BITS);
  const c = document.createElement("canvas"); c.width = W; c.height = H;
  const g = c.getContext("2d");
  const draw = () => {
    const t = clock() & 0xffffff;
    g.fillStyle = "#808080"; g.fillRect(0, 0, W, H);
    for (let b = 0; b < BITS; b++) {
      const on = (t >> (BITS - 1 - b)) & 1;
      g.fillStyle = on ? "#fff" : "#000"; g.fillRect(b * BW, 0, BW, 120);
      g.fillStyle = on ? "#000" : "#fff"; g.fillRect(b * BW, 180, BW, 120);
    }
    requestAnimationFrame(draw);
  };
  draw();
  return c.captureStream(30);
};
window.firstFrame = async (video) => { while (!(video.readyState >= 2 && video.videoWidth > 0)) await new Promise((r) => setTimeout(r, 2)); return performance.now(); };
`;

const page = await br.newPage({ bypassCSP: true }); // the box's pages forbid inline scripts; this harness page is ours
page.on("crash", () => console.log("the benchmark page crashed"));
page.on("console", (m) => console.log("page:", m.text()));
page.on("pageerror", (e) => console.log("page error:", e.message));
await page.goto(`${box.url}/api/v1/health`);
await page.addScriptTag({ content: lib });

// 1. Join → first frame at a viewer, 10 times.
const firsts = [];
for (let i = 0; i < (process.env.BENCH_JOINS ? Number(process.env.BENCH_JOINS) : 10); i++) {
  const token = await invite(`first-${i}`);
  const ms = await page.evaluate(async (token) => {
    const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
    const v = document.createElement("video"); v.muted = true; v.autoplay = true; document.body.append(v);
    const t0 = performance.now();
    const pub = await publish(token, cam);
    const tp = performance.now();
    const view = await play(pub.id, v);
    const tv = performance.now();
    const t1 = await firstFrame(v);
    console.log(`publish (WHIP) ${(tp - t0).toFixed(0)} ms, WHEP (held by the box until the guest's media flows) ${window.whepMs.toFixed(0)} ms, then first frame ${(t1 - tv).toFixed(0)} ms`);
    view.close(); pub.pc.close(); cam.getTracks().forEach((t) => t.stop()); v.remove();
    await fetch("/whip/" + token + "/" + pub.id, { method: "DELETE" });
    return t1 - t0;
  }, token);
  firsts.push(ms);
}
console.log(`a guest's join → first frame at a viewer: median ${median(firsts).toFixed(0)} ms, max ${Math.max(...firsts).toFixed(0)} ms over ${firsts.length} (target < 1000 ms)`);

// 1b. A viewer joining a guest already live → its first frame, 20 times (the viewer's own join:
// offer, ICE gathering, WHEP, ICE and DTLS, then the guest's picture).
{
  const token = await invite("live-guest");
  const joins = await page.evaluate(async (token) => {
    const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
    const pub = await publish(token, cam);
    const warm = document.createElement("video"); warm.muted = true; warm.autoplay = true; document.body.append(warm);
    const w = await play(pub.id, warm); await firstFrame(warm); await new Promise((r) => setTimeout(r, 1000));
    w.close(); warm.remove(); await fetch(window.whepLocation, { method: "DELETE" });
    const out = [];
    for (let i = 0; i < 20; i++) {
      const v = document.createElement("video"); v.muted = true; v.autoplay = true; document.body.append(v);
      const t0 = performance.now();
      const view = await play(pub.id, v);
      out.push((await firstFrame(v)) - t0);
      const at = window.whepLocation;
      view.close(); v.remove();
      await fetch(at, { method: "DELETE" });
      await new Promise((r) => setTimeout(r, 300));
    }
    pub.pc.close(); cam.getTracks().forEach((t) => t.stop());
    await fetch("/whip/" + token + "/" + pub.id, { method: "DELETE" });
    return out;
  }, token);
  console.log(`a viewer joining a live guest → its first frame: median ${median(joins).toFixed(0)} ms, max ${Math.max(...joins).toFixed(0)} ms over ${joins.length} (goal: median ≤ 500 ms, max ≤ 800 ms)`);
}

// 2. Guest → viewer latency with stamped frames.
const token = await invite("latency");
const lat = await page.evaluate(async (token) => {
  const W = 640, H = 360, BITS = 24, BW = Math.floor(W / BITS);
  const stream = stamped(() => Math.round(performance.now()));
  const pub = await publish(token, stream);
  const v = document.createElement("video"); v.muted = true; v.autoplay = true; document.body.append(v);
  await play(pub.id, v);
  await firstFrame(v);
  const rd = document.createElement("canvas"); rd.width = W; rd.height = H;
  const rg = rd.getContext("2d", { willReadFrequently: true });
  const out = []; let bad = 0;
  await new Promise((done) => {
    const end = performance.now() + 20000;
    const tick = (now) => {
      rg.drawImage(v, 0, 0, W, H);
      const px = rg.getImageData(0, 0, W, H).data;
      let t = 0, ok = true;
      for (let b = 0; b < BITS; b++) {
        const x = b * BW + (BW >> 1);
        const top = px[(60 * W + x) * 4], bottom = px[(240 * W + x) * 4];
        const on = top > 128;
        if (on === (bottom > 128)) ok = false;
        t = (t << 1) | (on ? 1 : 0);
      }
      if (ok && performance.now() > end - 15000) {
        const d = ((Math.round(now) & 0xffffff) - t + 0x1000000) % 0x1000000;
        if (d < 5000) out.push(d); else bad++;
      } else if (!ok) bad++;
      if (performance.now() < end) v.requestVideoFrameCallback(tick); else done();
    };
    v.requestVideoFrameCallback(tick);
  });
  return { out, bad };
}, token);
console.log(`guest → viewer latency through the box: median ${median(lat.out)} ms, p95 ${pct(lat.out, 0.95)} ms over ${lat.out.length} frames (${lat.bad} unreadable) (target < 150 ms)`);

// 2b. The same through the Media Source path (an OBS without a Browser Source): the guest's Matroska
// stream read by ffmpeg, as OBS's Media Source reads it. The stamps are wall-clock milliseconds
// (Date.now()), which this process shares with the page; ffmpeg scales each decoded frame to 640×360
// grey and hands it here, where the blocks are read as in the browser.
const mtoken = await invite("media-source");
const mid = await page.evaluate(async (token) => {
  window.mediaPub = await publish(token, stamped(() => Date.now()));
  return window.mediaPub.id;
}, mtoken);
const streamUrl = await (async () => {
  for (let i = 0; i < 100; i++) {
    const l = (await api("GET", "/api/v1/guests/view-links")).json.guests.find((g) => g.id === mid);
    const live = (await api("GET", "/api/v1/guests")).json.find((g) => g.id === mid)?.state === "live";
    if (l && live) return l.stream_url.replace(/^http:\/\/[^/]+/, box.url);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the media-source guest never went live");
})();
const media = await new Promise((done) => {
  const W = 640, H = 360, BITS = 24, BW = Math.floor(W / BITS), FRAME = W * H;
  const t0 = Date.now();
  const ff = spawn("ffmpeg", ["-hide_banner", "-v", "error", "-fflags", "nobuffer", "-i", streamUrl, "-an", "-vf", `scale=${W}:${H}`, "-pix_fmt", "gray", "-f", "rawvideo", "-"], { stdio: ["ignore", "pipe", "inherit"] });
  let buf = Buffer.alloc(0), first = null, bad = 0;
  const out = [];
  ff.stdout.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= FRAME) {
      const now = Date.now();
      const px = buf.subarray(0, FRAME); buf = buf.subarray(FRAME);
      first ??= now - t0;
      let t = 0, ok = true;
      for (let b = 0; b < BITS; b++) {
        const x = b * BW + (BW >> 1);
        const on = px[60 * W + x] > 128;
        if (on === (px[240 * W + x] > 128)) ok = false;
        t = (t << 1) | (on ? 1 : 0);
      }
      if (!ok) { bad++; continue; }
      if (now - t0 < 3000) continue; // past ffmpeg's start
      const d = ((now & 0xffffff) - t + 0x1000000) % 0x1000000;
      if (d < 5000) out.push(d); else bad++;
    }
  });
  setTimeout(() => { ff.kill("SIGKILL"); done({ out, bad, first }); }, 18000);
});
console.log(`guest → Media Source path (ffmpeg reading /guest/{id}/stream.mkv, as OBS's Media Source does): latency median ${median(media.out)} ms, p95 ${pct(media.out, 0.95)} ms over ${media.out.length} frames (${media.bad} unreadable); first picture ${media.first} ms after ffmpeg opened the stream`);
await page.evaluate(() => window.mediaPub.pc.close());
await page.close();

// 3. 4 guests × 4 viewers: the box's CPU and memory.
function procStat(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const st = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number((st.match(new RegExp(`${k}:\\s+(\\d+)`)) ?? [0, 0])[1]);
  return { cpu: (Number(s[11]) + Number(s[12])) / 100, rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}
const pubs = await br.newPage({ bypassCSP: true });
await pubs.goto(`${box.url}/api/v1/health`);
await pubs.addScriptTag({ content: lib });
const ids = [];
for (let i = 0; i < 4; i++) {
  const t = await invite(`load-${i}`);
  ids.push(await pubs.evaluate(async (t) => {
    const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
    window.keep = window.keep || [];
    const p = await publish(t, cam); window.keep.push(p, cam);
    return p.id;
  }, t));
}
const viewers = await br.newPage({ bypassCSP: true });
await viewers.goto(`${box.url}/api/v1/health`);
await viewers.addScriptTag({ content: lib });
await viewers.evaluate(async (ids) => {
  window.keep = [];
  for (const id of ids) for (let k = 0; k < 4; k++) {
    const v = document.createElement("video"); v.muted = true; v.autoplay = true; v.width = 160; document.body.append(v);
    window.keep.push(await play(id, v));
  }
}, ids);
await new Promise((r) => setTimeout(r, 5000));
const guests = (await api("GET", "/api/v1/guests")).json;
const a = procStat(box.child.pid);
await new Promise((r) => setTimeout(r, 20000));
const b = procStat(box.child.pid);
const cores = (b.cpu - a.cpu) / 20;
console.log(`4 guests × 4 viewers: ${guests.length} guests live, ${guests.reduce((n, g) => n + g.viewers, 0)} viewers; box CPU ${(cores * 100).toFixed(1)} % of one core, RSS ${b.rss.toFixed(0)} MB (peak ${b.hwm.toFixed(0)} MB); guest bitrates ${guests.map((g) => g.kbps).join("/")} kb/s`);
await br.close();
box.stop();
process.exit(0);
