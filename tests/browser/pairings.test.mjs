// Guests through the SFU for every browser a guest or a viewer may use: Chromium (playwright-core)
// and Debian's Firefox ESR (puppeteer-core over WebDriver BiDi), in all four pairings. Each guest
// joins from the invite page with the browser's fake camera and microphone; each viewer opens the
// guest's view page and must decode frames with the sound track there.
import { test } from "node:test";
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { apiClient, browser, startDaemon, until } from "./harness.mjs";


/** One page API over playwright's and puppeteer's: open, fill, click, wait for, evaluate, close. */
function chromiumPages(br) {
  return {
    name: "chromium",
    async page() {
      const p = await br.newPage();
      return {
        goto: (url) => p.goto(url),
        fill: (sel, text) => p.fill(sel, text),
        click: (sel) => p.click(sel),
        waitFor: (sel, timeout) => p.waitForSelector(sel, { timeout }),
        evaluate: (f) => p.evaluate(f),
        close: () => p.close({ runBeforeUnload: true }),
      };
    },
    close: () => br.close(),
  };
}

async function firefoxPages() {
  const br = await puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
    headless: true,
    extraPrefsFirefox: {
      "media.navigator.streams.fake": true,
      "media.navigator.permission.disabled": true,
      "media.autoplay.default": 0,
      "media.autoplay.blocking_policy": 0,
    },
  });
  return {
    name: "firefox",
    async page() {
      const p = await br.newPage();
      p.on("console", (m) => m.type() === "error" && console.log("firefox:", m.text()));
      return {
        goto: (url) => p.goto(url),
        fill: (sel, text) => p.locator(sel).fill(text),
        click: (sel) => p.click(sel),
        waitFor: (sel, timeout) => p.waitForSelector(sel, { timeout }),
        evaluate: (f) => p.evaluate(f),
        close: () => p.close({ runBeforeUnload: true }),
      };
    },
    close: () => br.close(),
  };
}

/** In the view page: waits for the picture, then counts decoded frames (up to 15, 8 s at most). */
function decodedFrames() {
  return (async () => {
    const v = document.querySelector("video");
    const deadline = performance.now() + 15000;
    while (!(v && v.readyState >= 2 && v.videoWidth > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!v) return { n: 0 };
    let n = 0;
    await new Promise((done) => {
      const tick = () => {
        n++;
        n >= 15 ? done() : v.requestVideoFrameCallback(tick);
      };
      v.requestVideoFrameCallback(tick);
      setTimeout(done, 8000);
    });
    return { n, w: v.videoWidth, h: v.videoHeight, audio: v.srcObject?.getAudioTracks().length ?? 0 };
  })();
}

test("guests and viewers in Chromium and Firefox ESR, all four pairings", { timeout: 300000 }, async () => {
  const box = await startDaemon({ password: "pair-pass-123" });
  const api = await apiClient(box, "pair-pass-123");
  const browsers = { chromium: chromiumPages(await browser({ fakeMedia: true })), firefox: await firefoxPages() };
  const results = [];
  try {
    for (const [guestBr, viewerBr] of [["chromium", "chromium"], ["chromium", "firefox"], ["firefox", "chromium"], ["firefox", "firefox"]]) {
      const what = `${guestBr} guest → ${viewerBr} viewer`;
      const name = `Guest in ${guestBr} for ${viewerBr}`;
      const inv = await api("POST", "/api/v1/guests/invites", { name, expires_in_s: 3600, max_uses: 1, permissions: { audio: true, video: true, screen: false } });
      assert.equal(inv.status, 201, inv.text);
      const guest = await browsers[guestBr].page();
      await guest.goto(inv.json.url.replace(/^http:\/\/[^/]+/, box.url));
      await guest.fill("[data-testid=guest-name]", name);
      const t0 = Date.now();
      await guest.click("[data-testid=join]");
      await guest.waitFor("#state.live", 20000);
      const g = await until(async () => (await api("GET", "/api/v1/guests")).json.find((x) => x.name === name && x.state === "live" && x.fps > 0), 20000, `${what}: the guest live`);
      const links = (await api("GET", "/api/v1/guests/view-links")).json;
      const k = links.guests.find((x) => x.id === g.id).token;
      const viewer = await browsers[viewerBr].page();
      await viewer.goto(`${box.url}/guest/${g.id}/view?k=${encodeURIComponent(k)}`);
      const f = await viewer.evaluate(decodedFrames);
      const took = Date.now() - t0;
      const listed = (await api("GET", "/api/v1/guests")).json.find((x) => x.id === g.id);
      results.push(`${what}: ${f.n} frames at ${f.w}×${f.h}, sound tracks ${f.audio}; the guest sent ${listed.width}×${listed.height} at ${listed.fps} fps, ${listed.kbps} kb/s; join → 15 frames ${took} ms`);
      assert.ok(f.n >= 15, `${what}: decoded ${f.n} frames`);
      assert.ok(f.w > 0 && f.h > 0, `${what}: ${JSON.stringify(f)}`);
      assert.equal(f.audio, 1, `${what}: the sound track`);
      assert.equal(listed.viewers, 1, `${what}: the viewer counted`);
      await viewer.close();
      await guest.close();
      await until(async () => !(await api("GET", "/api/v1/guests")).json.some((x) => x.id === g.id), 20000, `${what}: the guest gone`);
    }
  } finally {
    console.log(results.join("\n"));
    await browsers.chromium.close();
    await browsers.firefox.close();
    box.stop();
  }
});
