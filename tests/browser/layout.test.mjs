// The control room by priority: the show's controls first and always on screen (a phone too), the
// show's view (destinations, program, chat, guests) before OBS, platforms, history and settings in
// views of their own, the show's keyboard shortcuts (Stop asks first), and the language switch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { apiClient, browser, root, startDaemon, until } from "./harness.mjs";

// The Go Live button in the catalogue's pt-BR.
const GO_LIVE_PT = "Entrar ao vivo";


test("views by priority, controls in reach on a phone, shortcuts, both languages", { timeout: 120000 }, async () => {
  const box = await startDaemon({ password: "layout-pass-1" });
  const api = await apiClient(box, "layout-pass-1");
  const dest = await api("POST", "/api/v1/destinations", { name: "Twitch", platform: "custom", url: "rtmp://127.0.0.1:1/app", stream_key: "live_layout", enabled: true });
  assert.equal(dest.status, 201, dest.text);
  const br = await browser();
  mkdirSync(join(root, "tests/artifacts"), { recursive: true });
  try {
    const ctx = await br.newContext({ locale: "en-US", viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(box.url);
    await page.getByTestId("password").fill("layout-pass-1");
    await page.getByTestId("login").click();
    await page.getByTestId("view-show").waitFor();
    // On a phone: the show's controls on screen without scrolling, and still there at the bottom.
    const inView = async () => {
      const out = [];
      for (const id of ["go-live", "pause", "stop"]) {
        const b = await page.getByTestId(id).boundingBox();
        out.push(b && b.y >= 0 && b.y + b.height <= 740 && b.x >= 0 && b.x + b.width <= 360);
      }
      return out.every(Boolean);
    };
    assert.ok(await inView(), "the controls on a phone's first screen");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForTimeout(200);
    assert.ok(await page.evaluate(() => window.scrollY) > 0, "the page scrolled");
    assert.ok(await inView(), "the controls stay in reach while the page scrolls");
    await page.screenshot({ path: join(root, "tests/artifacts/dashboard-phone-en.png") });
    // The show's view first; the others one tap away, each reachable by its address.
    assert.equal(await page.getByTestId("tab-show").getAttribute("aria-selected"), "true");
    assert.ok(await page.getByTestId("guests-panel").isVisible() && await page.getByTestId("chat-panel").isVisible());
    assert.equal(await page.getByTestId("obs-panel").isVisible(), false, "OBS is in a view of its own");
    await page.getByTestId("tab-obs").click();
    assert.ok(await page.getByTestId("obs-panel").isVisible());
    assert.equal(await page.getByTestId("guests-panel").isVisible(), false);
    assert.ok(page.url().endsWith("#obs"), page.url());
    await page.reload();
    await page.getByTestId("obs-panel").waitFor();
    assert.equal(await page.getByTestId("tab-obs").getAttribute("aria-selected"), "true", "the address keeps the view");

    // Keyboard shortcuts on a desktop: 1 the show's view, G goes live, S asks before it stops.
    const desk = await (await br.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 }, storageState: await ctx.storageState() })).newPage();
    await desk.goto(box.url);
    await desk.getByTestId("go-live").waitFor();
    await desk.keyboard.press("5");
    assert.ok(await desk.getByTestId("notify-panel").isVisible(), "5: the settings view");
    await desk.keyboard.press("1");
    assert.ok(await desk.getByTestId("guests-panel").isVisible(), "1: the show's view");
    await api("POST", "/api/v1/ingest/test-signal", { enabled: true, width: 320, height: 180, fps: 15 });
    await desk.getByTestId("invite-name").fill("g"); // typing a G in a field is not a shortcut
    await desk.waitForTimeout(500);
    assert.equal((await api("GET", "/api/v1/status")).json.live, false, "a G typed into a field does not go live");
    await desk.getByTestId("invite-name").fill("");
    await desk.evaluate(() => document.activeElement?.blur());
    await desk.keyboard.press("g");
    await until(async () => (await api("GET", "/api/v1/status")).json.live, 10000, "G went live");
    // (The page learns it from its feed a moment later: Stop is enabled then.)
    await desk.waitForFunction(() => !document.querySelector("[data-testid=stop]").disabled, null, { timeout: 10000 });
    let asked = null;
    desk.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
    await desk.keyboard.press("s");
    await until(async () => asked, 5000, "S asked first");
    await desk.waitForTimeout(500);
    assert.equal((await api("GET", "/api/v1/status")).json.live, true, "dismissed: still live");
    desk.once("dialog", (d) => d.accept());
    await desk.keyboard.press("s");
    await until(async () => !(await api("GET", "/api/v1/status")).json.live, 10000, "S stopped after yes");
    await api("POST", "/api/v1/ingest/test-signal", { enabled: false });
    await desk.screenshot({ path: join(root, "tests/artifacts/dashboard-en.png") });

    // The language switch: Portuguese for this browser from now on, whatever it asks for.
    await desk.getByTestId("language").selectOption("pt-BR");
    await desk.getByTestId("tab-show").filter({ hasText: "No ar" }).waitFor({ timeout: 10000 });
    assert.equal((await desk.getByTestId("go-live").innerText()).toLowerCase(), GO_LIVE_PT.toLowerCase());
    await desk.screenshot({ path: join(root, "tests/artifacts/dashboard-pt-BR.png") });
    await desk.reload();
    await desk.getByTestId("tab-settings").filter({ hasText: "Configurações" }).waitFor({ timeout: 10000 });
    await desk.getByTestId("language").selectOption("en");
    await desk.getByTestId("tab-settings").filter({ hasText: "Settings" }).waitFor({ timeout: 10000 });
  } finally {
    await br.close();
    box.stop();
  }
});
