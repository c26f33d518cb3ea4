// The program preview: the dashboard plays what goes out (the box remuxes the frames it relays into
// fragmented MP4 over a WebSocket), with an audio meter; refusals for strangers and too many viewers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { apiClient, browser, cspViolations, startDaemon } from "./harness.mjs";

test("the preview plays the program with its audio level, and only for the owner", { timeout: 90000 }, async () => {
  const box = await startDaemon({ password: "preview-password-1" });
  const br = await browser();
  try {
    const api = await apiClient(box, "preview-password-1");
    assert.equal((await api("POST", "/api/v1/ingest/test-signal", { enabled: true, width: 640, height: 360 })).status, 200);
    // A stranger gets no picture: the WebSocket is refused before it opens.
    const anon = await new Promise((res, rej) => {
      const req = request(`${box.url}/api/v1/feeds/main/live`, { headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" } });
      req.on("response", (r) => res(r.statusCode));
      req.on("upgrade", () => res(101));
      req.on("error", rej);
      req.end();
    });
    assert.equal(anon, 401);
    const page = await br.newPage({ viewport: { width: 1280, height: 900 } });
    const csp = cspViolations(page);
    await page.goto(box.url);
    await page.getByTestId("password").fill("preview-password-1");
    const opened = Date.now();
    await page.getByTestId("login").click();
    const video = page.getByTestId("preview-video");
    await page.waitForFunction(() => (document.querySelector("[data-testid=preview-video]")?.getVideoPlaybackQuality().totalVideoFrames ?? 0) > 0, null, { timeout: 10000 });
    const first = Date.now() - opened;
    const frames = () => video.evaluate((v) => v.getVideoPlaybackQuality().totalVideoFrames);
    const f0 = await frames();
    await page.waitForTimeout(2000);
    const f1 = await frames();
    const lag = await video.evaluate((v) => v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : -1);
    const size = await video.evaluate((v) => `${v.videoWidth}x${v.videoHeight}`);
    const hevc = await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'));
    console.log(`preview: first frame ${first} ms after login; ${f1 - f0} frames in 2 s; ${lag.toFixed(2)} s behind the newest; ${size}; HEVC in this Chromium: ${hevc}`);
    assert.ok(f1 - f0 >= 30, `${f1 - f0} frames in 2 s`);
    assert.equal(size, "640x360");
    assert.ok(lag >= 0 && lag < 2, `${lag} s behind`);
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=preview-meter]")?.dataset.level ?? 0) > 0, null, { timeout: 10000 });
    // Off: the box stops sending (the socket closes), and the picture stops.
    await page.getByTestId("preview-toggle").click();
    const g0 = await frames();
    await page.waitForTimeout(1000);
    assert.equal(await frames(), g0, "stopped");
    // At most four previews at once: a fifth is refused with a reason.
    const open = (n) => page.evaluate((n) => Promise.all(Array.from({ length: n }, () => new Promise((res) => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/feeds/main/live`);
      ws.onopen = () => res({ ws: true });
      ws.onerror = () => res({ ws: false });
    }))).then((r) => r.map((x) => x.ws)), n);
    assert.deepEqual(await open(4), [true, true, true, true]);
    assert.deepEqual(await open(1), [false], "a fifth preview is refused");
    assert.deepEqual(csp, []);
  } finally {
    await br.close();
    box.stop();
  }
});
