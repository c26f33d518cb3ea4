// The streamer's path through the dashboard in a real browser against the real box.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { browser, cspViolations, root, setupCode, startDaemon, startNginx } from "./harness.mjs";

const artifacts = join(root, "tests/artifacts");
mkdirSync(artifacts, { recursive: true });

test("set password, add two destinations, go live on the test signal, stop one, reload", { timeout: 120000 }, async () => {
  const box = await startDaemon();
  const [a, b] = [await startNginx(), await startNginx()];
  const br = await browser();
  try {
    const page = await br.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("dialog", (d) => d.accept());
    const csp = cspViolations(page);
    await page.goto(box.url);
    // First visit: choose the password, with the set-up code from the box's screen (and log). A
    // wrong code is refused and the page stays.
    await page.getByTestId("password").fill("a-strong-password");
    await page.getByTestId("password-confirm").fill("a-strong-password");
    await page.getByTestId("setup-code").fill("AAAA-AAAA");
    await page.getByTestId("setup").click();
    await page.locator(".toast.bad", { hasText: "wrong set-up code" }).waitFor();
    assert.equal(await page.getByTestId("headline").count(), 0);
    await page.getByTestId("setup-code").fill((await setupCode(box)).toLowerCase());
    await page.getByTestId("setup").click();
    await page.getByTestId("headline").waitFor();
    // The first-run guide opens over the dashboard (firstrun.test.mjs goes through it): skipped.
    await page.getByTestId("guide-skip").click();
    // Log out and back in.
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByTestId("password").fill("a-strong-password");
    await page.getByTestId("login").click();
    await page.getByTestId("headline").waitFor();
    for (const [name, n] of [["Alpha", a], ["Bravo", b]]) {
      await page.getByTestId("platform").selectOption("custom");
      await page.getByTestId("dest-name").fill(name);
      await page.getByTestId("dest-url").fill(n.url);
      await page.getByTestId("dest-key").fill(`sk_${name}_0123456789`);
      await page.getByTestId("add").click();
      await page.locator("[data-testid=destination-card]", { hasText: name }).waitFor();
    }
    await page.getByTestId("test-signal").check();
    await page.locator(".ingest-state.on").waitFor({ timeout: 20000 });
    await page.getByTestId("go-live").click();
    const card = (name) => page.locator("[data-testid=destination-card]", { hasText: name });
    for (const name of ["Alpha", "Bravo"]) {
      await card(name).locator("[data-state=live]").waitFor({ timeout: 20000 });
    }
    // Non-zero bitrate shown on both cards.
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=dest-kbps]")].every((e) => !e.textContent.startsWith("0 ")), null, { timeout: 10000 });
    await page.screenshot({ path: join(artifacts, "dashboard-live.png"), fullPage: true });
    assert.match(await page.getByTestId("headline").textContent(), /LIVE/);
    // Stop one: it goes idle, the other stays live.
    await card("Bravo").getByRole("button", { name: "Stop" }).click();
    await card("Bravo").locator("[data-state=idle]").waitFor({ timeout: 10000 });
    assert.equal(await card("Alpha").getByTestId("dest-state").getAttribute("data-state"), "live");
    // A reload shows the same truth.
    await page.reload();
    await card("Alpha").locator("[data-state=live]").waitFor({ timeout: 10000 });
    await card("Bravo").locator("[data-state=idle]").waitFor({ timeout: 10000 });
    // Narrow layout (phone, OBS dock) still shows the controls.
    await page.setViewportSize({ width: 380, height: 800 });
    await page.screenshot({ path: join(artifacts, "dashboard-phone.png"), fullPage: true });
    assert.ok(await page.getByTestId("stop").isVisible());
    await page.getByTestId("stop").click();
    await page.locator(".headline.off").waitFor({ timeout: 10000 });
    assert.equal(a.recordings().length, 1);
    assert.deepEqual(csp, [], "the dashboard runs under the box's CSP");
  } finally {
    await br.close();
    box.stop();
    a.stop();
    b.stop();
  }
});

test("the event feed delivers a state change to a connected client", { timeout: 60000 }, async () => {
  const box = await startDaemon({ password: "feed-password-1" });
  const br = await browser();
  try {
    const page = await br.newPage();
    await page.goto(box.url);
    await page.getByTestId("password").fill("feed-password-1");
    await page.getByTestId("login").click();
    await page.getByTestId("headline").waitFor();
    // Open a raw feed in the page and time an event caused by an API call.
    const delay = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/events`);
      await new Promise((r) => (ws.onopen = r));
      const got = new Promise((r) => {
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === "ingest" && m.connected) r(performance.now());
        };
      });
      const t0 = performance.now();
      await fetch("/api/v1/ingest/test-signal", { method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "onair" }, body: JSON.stringify({ enabled: true }) });
      return (await got) - t0;
    });
    console.log(`state change reached the WebSocket client after ${delay.toFixed(1)} ms`);
    assert.ok(delay >= 0);
  } finally {
    await br.close();
    box.stop();
  }
});

test("the box panel mirrors the screen and its Go Live button starts the show", { timeout: 60000 }, async () => {
  const box = await startDaemon({ password: "box-password-1" });
  const n = await startNginx();
  const br = await browser();
  try {
    const page = await br.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(box.url);
    await page.getByTestId("password").fill("box-password-1");
    await page.getByTestId("login").click();
    await page.getByTestId("platform").selectOption("custom");
    await page.getByTestId("dest-name").fill("Box");
    await page.getByTestId("dest-url").fill(n.url);
    await page.getByTestId("dest-key").fill("sk_box_0123456789");
    await page.getByTestId("add").click();
    await page.getByTestId("test-signal").check();
    await page.locator(".ingest-state.on").waitFor({ timeout: 20000 });
    // The mirror is a real PNG from the box.
    await page.waitForFunction(() => {
      const img = document.querySelector("[data-testid=box-screen]");
      return img && img.complete && img.naturalWidth === 480;
    }, null, { timeout: 10000 });
    await page.locator("[data-hw=go-live]").click();
    await page.locator("[data-testid=destination-card] [data-state=live]").waitFor({ timeout: 20000 });
    await page.locator("[data-testid=tally][data-state=on]").waitFor({ timeout: 10000 });
    await page.screenshot({ path: join(artifacts, "dashboard-box.png"), fullPage: true });
  } finally {
    await br.close();
    box.stop();
    n.stop();
  }
});

test("edit a destination, make a profile that decides what goes live, and find the show in the history", { timeout: 120000 }, async () => {
  const box = await startDaemon({ password: "manage-password-1" });
  const [a, b] = [await startNginx(), await startNginx()];
  const br = await browser();
  try {
    const page = await br.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("dialog", (d) => d.accept());
    await page.goto(box.url);
    await page.getByTestId("password").fill("manage-password-1");
    await page.getByTestId("login").click();
    for (const [name, n] of [["Keep", a], ["Skip", b]]) {
      await page.getByTestId("platform").selectOption("custom");
      await page.getByTestId("dest-name").fill(name);
      await page.getByTestId("dest-url").fill(n.url);
      await page.getByTestId("dest-key").fill(`sk_${name}_0123456789`);
      await page.getByTestId("add").click();
      await page.locator("[data-testid=destination-card]", { hasText: name }).waitFor();
    }
    const card = (name) => page.locator("[data-testid=destination-card]", { hasText: name });
    // Edit: rename; the key field is write-only and shows only the hint.
    await card("Keep").getByRole("button", { name: "Edit" }).click();
    const form = card("Keep").getByTestId("edit-destination");
    assert.match(await form.locator("input[name=stream_key]").getAttribute("placeholder"), /Key set \(…6789\)/);
    assert.equal(await form.locator("input[name=stream_key]").inputValue(), "");
    await form.locator("input[name=name]").fill("Keeper");
    await form.getByRole("button", { name: "Save" }).click();
    await card("Keeper").locator("h3", { hasText: "Keeper" }).waitFor({ timeout: 10000 });
    // A profile with only "Keeper" (profiles are in the settings view).
    await page.getByTestId("tab-settings").click();
    await page.locator("[data-testid=profile-form] input").fill("Only keeper");
    await page.locator("[data-testid=profile-form] button").click();
    const prof = page.locator("[data-testid=profile-row]", { hasText: "Only keeper" });
    await prof.waitFor();
    await prof.locator("label", { hasText: "Skip" }).locator("input").uncheck();
    await page.waitForTimeout(300);
    await prof.getByRole("button", { name: "Activate" }).click();
    await prof.locator(".badge", { hasText: "active" }).waitFor({ timeout: 10000 });
    await page.getByTestId("tab-show").click();
    await page.getByTestId("test-signal").check();
    await page.locator(".ingest-state.on").waitFor({ timeout: 20000 });
    await page.waitForFunction(() => /kb\/s|Mb\/s/.test(document.querySelector(".ingest-info")?.textContent ?? ""), null, { timeout: 10000 });
    await page.getByTestId("go-live").click();
    await card("Keeper").locator("[data-state=live]").waitFor({ timeout: 20000 });
    await page.waitForTimeout(3000);
    assert.equal(await card("Skip").getByTestId("dest-state").getAttribute("data-state"), "idle");
    assert.match(await page.getByTestId("ingest-drops").textContent(), /outputs dropped \d+ frames/);
    await page.getByTestId("stop").click();
    await page.locator(".headline.off").waitFor({ timeout: 10000 });
    // The show is in the history (its own view) with its destination's totals and a chart.
    await page.getByTestId("tab-history").click();
    const row = page.getByTestId("show-row").first();
    await row.waitFor({ timeout: 10000 });
    await row.click();
    await page.locator("[data-testid=show-dest]", { hasText: "Keeper" }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator("[data-testid=show-dest]").count(), 1);
    await page.locator("[data-testid=show-chart] canvas").waitFor();
    await page.screenshot({ path: join(artifacts, "dashboard-history.png"), fullPage: true });
    // OBS custom browser dock width.
    await page.setViewportSize({ width: 320, height: 700 });
    assert.ok(await page.getByTestId("go-live").isVisible());
    await page.screenshot({ path: join(artifacts, "dashboard-obs-dock.png") });
    assert.equal(b.recordings().length, 0);
  } finally {
    await br.close();
    box.stop();
    a.stop();
    b.stop();
  }
});
