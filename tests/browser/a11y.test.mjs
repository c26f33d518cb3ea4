// Accessibility: axe-core (WCAG 2.1 A and AA rules) on every page the box serves to people — the
// set-up and login pages, the dashboard in both languages and at a phone's width, the guest's
// invite page and its refusal, the grid and the overlays. No serious or critical violation passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { apiClient, browser, startDaemon } from "./harness.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe's serious and critical violations on the page as it is now, one line each. */
async function violations(page) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] }));
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} ${n.html.slice(0, 100)} — ${n.failureSummary?.split("\n").slice(1).join(" ").trim()}`));
}

test("axe-core finds no serious violation on any page", { timeout: 180000 }, async () => {
  const box = await startDaemon();
  const br = await browser();
  const found = [];
  const check = async (page, what) => {
    const v = await violations(page);
    console.log(`${what}: ${v.length} serious or critical`);
    found.push(...v.map((x) => `${what}: ${x}`));
  };
  try {
    // The CSP would refuse axe's script: these pages are checked with it bypassed.
    const ctx = await br.newContext({ bypassCSP: true, locale: "en-US" });
    const page = await ctx.newPage();
    await page.goto(box.url);
    await page.getByTestId("password").waitFor();
    await check(page, "set-up page");
    // Set the box up as its owner would (the code from its log), then log in.
    const code = box.log().match(/set-up code ([A-Z0-9]{4}-[A-Z0-9]{4})/)[1];
    const r = await fetch(`${box.url}/api/v1/setup`, { method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "onair" }, body: JSON.stringify({ password: "a11y-pass-123", code }) });
    assert.ok(r.ok, `set-up ${r.status}`);
    await page.goto(box.url);
    await page.getByTestId("login").waitFor();
    await check(page, "login page");
    await page.getByTestId("password").fill("a11y-pass-123");
    await page.getByTestId("login").click();
    await page.getByTestId("guests-panel").waitFor();
    const api = await apiClient(box, "a11y-pass-123");
    const dest = await api("POST", "/api/v1/destinations", { name: "Twitch", platform: "custom", url: "rtmp://127.0.0.1:1/app", stream_key: "live_a11y_key", enabled: true });
    assert.equal(dest.status, 201, dest.text);
    const inv = await api("POST", "/api/v1/guests/invites", { name: "Ana", expires_in_s: 3600, max_uses: 1, permissions: { audio: true, video: true, screen: false } });
    await page.reload();
    await page.getByTestId("guests-panel").waitFor();
    await page.waitForTimeout(1500);
    await check(page, "dashboard (en)");
    // On air with the test signal: the show's state, the destination trying to reach its server.
    await api("POST", "/api/v1/ingest/test-signal", { enabled: true, width: 320, height: 180, fps: 15 });
    await api("POST", "/api/v1/live/start", {});
    await page.waitForTimeout(3000);
    await check(page, "dashboard on air (en)");
    // Each of the other views (axe skips what is hidden).
    for (const v of ["obs", "platforms", "history", "settings"]) {
      await page.getByTestId(`tab-${v}`).click();
      await page.waitForTimeout(300);
      await check(page, `dashboard's ${v} view`);
    }
    await page.getByTestId("open-guide").click();
    await page.getByTestId("guide").waitFor();
    await check(page, "the set-up guide");
    await page.getByTestId("guide-next").click();
    await page.getByTestId("guide-next").click();
    await check(page, "the set-up guide's test show");
    await page.getByTestId("guide-skip").click();
    await page.getByTestId("tab-show").click();
    await page.setViewportSize({ width: 360, height: 780 });
    await check(page, "dashboard at 360 px");
    const pt = await (await br.newContext({ bypassCSP: true, locale: "pt-BR", storageState: await ctx.storageState() })).newPage();
    await pt.goto(box.url);
    await pt.getByTestId("guests-panel").waitFor();
    await pt.waitForTimeout(1500);
    await check(pt, "dashboard on air (pt-BR)");
    await api("POST", "/api/v1/live/stop", {});
    const guest = await ctx.newPage();
    await guest.goto(inv.json.url.replace(/^http:\/\/[^/]+/, box.url));
    await guest.getByTestId("guest-name").waitFor();
    await check(guest, "guest invite page");
    await guest.goto(`${box.url}/join/not-a-token`);
    await check(guest, "invite refusal page");
    const k = (await api("GET", "/api/v1/guests/view-links")).json.grid.token;
    await guest.goto(`${box.url}/guests/grid/view?k=${k}`);
    await check(guest, "grid page");
    for (const p of ["/overlay/chat", "/overlay/alerts"]) {
      await guest.goto(`${box.url}${p}`);
      await check(guest, `${p} page`);
    }
  } finally {
    await br.close();
    box.stop();
  }
  assert.deepEqual(found, [], `serious or critical accessibility violations:\n${found.join("\n")}`);
});
