// Guests end to end in real browsers: an invite link → the guest publishes (WHIP) → a viewer plays
// (WHEP) through the box's SFU; refusals for bad tokens and SDP; host controls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiClient, browser, startDaemon } from "./harness.mjs";

const until = async (f, ms = 15000, what = "condition") => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
};

test("invite → guest publishes → a viewer plays; host sees real stats; bad input refused", { timeout: 120000 }, async () => {
  const box = await startDaemon({ password: "guest-pass-123" });
  const api = await apiClient(box, "guest-pass-123");
  const br = await browser({ fakeMedia: true });
  try {
    const inv = await api("POST", "/api/v1/guests/invites", { name: "Alice", expires_in_s: 3600, max_uses: 3, permissions: { audio: true, video: true, screen: false } });
    assert.equal(inv.status, 201, inv.text);
    const url = inv.json.url.replace(/^http:\/\/[^/]+/, box.url);
    // Bad and forged tokens: a clear refusal page and 401, never media.
    const forged = await fetch(`${box.url}/join/${inv.json.id}.AAAA`);
    assert.equal(forged.status, 401);
    assert.match(await forged.text(), /not valid/);
    const whipForged = await fetch(`${box.url}/whip/nope`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: "v=0\r\n" });
    assert.equal(whipForged.status, 401);
    const badSdp = await fetch(`${box.url}/whip/${inv.json.token}`, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: "this is not sdp" });
    assert.equal(badSdp.status, 400);
    assert.equal((await badSdp.json()).error.code, "bad_request");

    const guest = await br.newPage();
    guest.on("console", (m) => m.type() === "error" && console.log("guest:", m.text()));
    await guest.goto(url);
    await guest.getByTestId("guest-name").fill("Alice Example");
    await guest.getByTestId("join").click();
    await guest.locator("#state.live").waitFor({ timeout: 20000 });
    const t0 = Date.now();
    const g = await until(async () => {
      const l = (await api("GET", "/api/v1/guests")).json;
      return l.length === 1 && l[0].state === "live" && l[0].kbps > 0 && l[0].fps > 0 ? l[0] : null;
    }, 20000, "guest live with bitrate");
    assert.equal(g.name, "Alice Example");
    console.log(`guest stats: ${JSON.stringify(g)}`);

    const viewer = await br.newPage();
    await viewer.goto(`${box.url}/guest/${g.id}/view`);
    const frames = await viewer.evaluate(async () => {
      const v = document.querySelector("video");
      const deadline = performance.now() + 15000;
      while (!(v.readyState >= 2 && v.videoWidth > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      let n = 0;
      await new Promise((done) => {
        const tick = () => { n++; n >= 15 ? done() : v.requestVideoFrameCallback(tick); };
        v.requestVideoFrameCallback(tick);
        setTimeout(done, 8000);
      });
      return { n, w: v.videoWidth, h: v.videoHeight, audio: v.srcObject?.getAudioTracks().length ?? 0 };
    });
    console.log(`viewer decoded ${frames.n} frames at ${frames.w}x${frames.h}, first after ${Date.now() - t0} ms from join; audio tracks ${frames.audio}`);
    assert.ok(frames.n >= 15, `viewer frames ${frames.n}`);
    assert.ok(frames.w > 0 && frames.h > 0);
    assert.equal(frames.audio, 1);
    const withViewer = (await api("GET", "/api/v1/guests")).json[0];
    assert.equal(withViewer.viewers, 1);
    // The host sees the guest on the dashboard.
    const host = await br.newPage();
    await host.goto(box.url);
    await host.getByTestId("password").fill("guest-pass-123");
    await host.getByTestId("login").click();
    await host.locator("[data-testid=guest-row]", { hasText: "Alice Example" }).waitFor({ timeout: 10000 });
    await host.screenshot({ path: new URL("../artifacts/dashboard-guests.png", import.meta.url).pathname, fullPage: true });
    // Host controls.
    const m = await api("POST", `/api/v1/guests/${g.id}/mute`, { audio: true, video: false });
    assert.equal(m.status, 200);
    assert.equal(m.json.muted_audio, true);
    assert.equal((await api("GET", "/api/v1/status")).json.guests[0].muted_audio, true);
    assert.equal((await api("DELETE", `/api/v1/guests/${g.id}`)).status, 204);
    assert.equal((await api("GET", "/api/v1/guests")).json.length, 0);
    // Revoked invites stop working.
    assert.equal((await api("DELETE", `/api/v1/guests/invites/${inv.json.id}`)).status, 204);
    const revoked = await fetch(url);
    assert.equal(revoked.status, 403);
  } finally {
    await br.close();
    box.stop();
  }
});

test("a guest whose browser dies is cleaned up; the others go on", { timeout: 120000 }, async () => {
  const box = await startDaemon({ password: "guest-pass-456" });
  const api = await apiClient(box, "guest-pass-456");
  const browsers = [];
  try {
    const inv = await api("POST", "/api/v1/guests/invites", { name: "Panel", max_uses: 5 });
    const url = inv.json.url.replace(/^http:\/\/[^/]+/, box.url);
    for (const name of ["Ann", "Ben", "Cat"]) {
      const b = await browser({ fakeMedia: true });
      browsers.push(b);
      const p = await b.newPage();
      await p.goto(url);
      await p.getByTestId("guest-name").fill(name);
      await p.getByTestId("join").click();
      await p.locator("#state.live").waitFor({ timeout: 20000 });
    }
    await until(async () => (await api("GET", "/api/v1/guests")).json.filter((g) => g.state === "live").length === 3, 20000, "three guests live");
    // Ben's browser is killed without saying goodbye.
    const killedAt = Date.now();
    await browsers[1].close();
    await until(async () => {
      const l = (await api("GET", "/api/v1/guests")).json;
      return l.length === 2 && !l.some((g) => g.name === "Ben");
    }, 15000, "the vanished guest to be removed");
    console.log(`vanished guest cleaned up after ${Date.now() - killedAt} ms`);
    const rest = (await api("GET", "/api/v1/guests")).json;
    assert.ok(rest.every((g) => g.state === "live" && g.kbps > 0), JSON.stringify(rest));
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    box.stop();
  }
});
