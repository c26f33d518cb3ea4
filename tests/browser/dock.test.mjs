// The dashboard in an OBS dock (320 px wide) and on a phone (360 px): no sideways scroll, and every
// control of the OBS panel on screen, with OBS connected (its answers stood in for by routes: the
// layout is what is tested here; tests/tests/obs_ingest.rs drives real OBS versions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { browser, root, startDaemon } from "./harness.mjs";

const obs = {
  configured: true, connected: true, version: "32.0.2", websocket_version: "5.7.4", scene: "Main camera with a long name", scene_uuid: null, streaming: true,
  recording: false, kbps: 6000, dropped_frames: 0, total_frames: 900, render_skipped_frames: 0, cpu_pct: 4, render_ms: 2, error: null, profile: "Streaming profile for the weekly show",
  collection: "Weekly show collection", last_recording: null, silent_s: 0,
};
const answers = {
  "/api/v1/obs/scenes": { current: "Main camera with a long name", scenes: ["Main camera with a long name", "Be right back", "Interview — two guests side by side", "Ending"], uuids: [] },
  "/api/v1/obs/profiles": { current: obs.profile, profiles: [obs.profile, "Recording"] },
  "/api/v1/obs/collections": { current: obs.collection, collections: [obs.collection, "Untitled"] },
  "/api/v1/obs/scene-items": [{ id: 1, name: "Webcam (Logitech BRIO 4K Stream Edition)", enabled: true }, { id: 2, name: "BRB card", enabled: false }],
  "/api/v1/obs/inputs": [{ name: "Microphone/Aux (Focusrite Scarlett 2i2 USB)", muted: false, volume_db: -3, level_db: -20 }, { name: "Desktop Audio", muted: true, volume_db: 0, level_db: null }],
};

for (const [what, width] of [["an OBS dock", 320], ["a phone", 360]]) {
  test(`the OBS panel fits ${what} (${width} px)`, { timeout: 60000 }, async () => {
    const box = await startDaemon({ password: "dock-password-1" });
    const br = await browser();
    try {
      const page = await br.newPage({ viewport: { width, height: 800 } });
      for (const [path, body] of Object.entries(answers)) {
        await page.route(`**${path}`, (r) => (r.request().method() === "GET" ? r.fulfill({ json: body }) : r.fulfill({ json: {} })));
      }
      await page.route("**/api/v1/status", async (r) => {
        const res = await r.fetch();
        r.fulfill({ response: res, json: { ...(await res.json()), obs } });
      });
      await page.routeWebSocket("**/api/v1/events", (ws) => {
        const server = ws.connectToServer();
        server.onMessage((m) => {
          const j = JSON.parse(String(m));
          if (j.type === "status") j.status.obs = obs;
          ws.send(JSON.stringify(j));
        });
      });
      await page.goto(`${box.url}/#obs`);
      await page.getByTestId("password").fill("dock-password-1");
      await page.getByTestId("login").click();
      const panel = page.getByTestId("obs-panel");
      await panel.locator("[data-act=scene]").first().waitFor({ timeout: 15000 });
      await panel.getByTestId("obs-input").first().waitFor({ timeout: 15000 });
      await panel.scrollIntoViewIfNeeded();
      const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
      assert.ok(wide <= width, `the page is ${wide} px wide in a ${width} px window`);
      const off = await panel.evaluate((p, width) => {
        const bad = [];
        for (const el of p.querySelectorAll("button, select, input, summary, meter")) {
          if (el.closest("details:not([open])") && el.tagName !== "SUMMARY") continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.left < 0 || r.right > width + 0.5) bad.push(`${el.tagName} ${el.textContent?.trim().slice(0, 30) || el.getAttribute("aria-label") || el.dataset.obsChoice || ""}: ${Math.round(r.left)}–${Math.round(r.right)}`);
          if (el.tagName === "BUTTON" && el.scrollWidth > el.clientWidth + 1) bad.push(`${el.textContent?.trim().slice(0, 30)}: text cut`);
        }
        return bad;
      }, width);
      await page.screenshot({ path: join(root, `tests/artifacts/obs-panel-${width}.png`), fullPage: false, clip: await panel.boundingBox() });
      assert.deepEqual(off, [], "every OBS control on screen");
      // The controls work there: a scene button and a source switch are clickable.
      const switched = page.waitForRequest((r) => r.url().endsWith("/api/v1/obs/scene") && r.method() === "POST");
      await panel.locator("[data-act=scene]", { hasText: "Be right back" }).click();
      await switched;
    } finally {
      await br.close();
      box.stop();
    }
  });
}
