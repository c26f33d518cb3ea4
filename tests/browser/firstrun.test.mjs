// The first run as a new owner has it: the password (typed twice, with a strength hint), then the
// guide — a destination from a platform preset, the server and key for OBS, a test show on the
// test signal that nginx-rtmp (the platform's ingest here) receives — and the guide opened again
// from the settings view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { browser, root, setupCode, startDaemon, startNginx } from "./harness.mjs";

test("first run: password, a destination, OBS's server and key, a test show nginx receives", { timeout: 120000 }, async () => {
  const box = await startDaemon();
  const n = await startNginx();
  const br = await browser();
  mkdirSync(join(root, "tests/artifacts"), { recursive: true });
  try {
    const page = await br.newPage({ viewport: { width: 1100, height: 850 } });
    await page.goto(box.url);
    await page.getByTestId("password").fill("short");
    await page.getByTestId("password-strength").filter({ hasText: "Weak" }).waitFor();
    await page.getByTestId("password").fill("Three words here, 2026!");
    await page.getByTestId("password-strength").filter({ hasText: "Strong" }).waitFor();
    await page.getByTestId("password-confirm").fill("Three words here, 2025!");
    await page.getByTestId("setup-code").fill(await setupCode(box));
    await page.getByTestId("setup").click();
    await page.getByTestId("password-strength").filter({ hasText: "differ" }).waitFor();
    assert.equal(await page.getByTestId("headline").count(), 0, "two different passwords set nothing");
    await page.getByTestId("password-confirm").fill("Three words here, 2026!");
    await page.getByTestId("setup").click();
    // Step 2 of 4: where the show goes.
    const guide = page.getByTestId("guide");
    await guide.getByTestId("guide-step").filter({ hasText: "Step 2 of 4" }).waitFor();
    await guide.getByTestId("guide-platform").selectOption("custom");
    await guide.getByTestId("guide-url").fill(n.url);
    await guide.getByTestId("guide-key").fill("sk_firstrun_0123456789");
    await guide.getByTestId("guide-add").click();
    await guide.getByTestId("guide-dests").filter({ hasText: "Custom" }).waitFor();
    await page.screenshot({ path: join(root, "tests/artifacts/firstrun-destinations.png") });
    await guide.getByTestId("guide-next").click();
    // Step 3: OBS's server and key (OBS is not connected here, so no one-click button).
    await guide.getByTestId("guide-step").filter({ hasText: "Step 3 of 4" }).waitFor();
    await guide.getByTestId("guide-server").filter({ hasText: "rtmp://" }).waitFor();
    assert.match(await guide.getByTestId("guide-stream-key").innerText(), /^live_/);
    assert.equal(await guide.getByTestId("guide-obs-setup").isVisible(), false);
    await guide.getByTestId("guide-next").click();
    // Step 4: the test show, until the destination says it receives; nginx records it.
    await guide.getByTestId("guide-step").filter({ hasText: "Step 4 of 4" }).waitFor();
    await guide.getByTestId("guide-test-start").click();
    await guide.locator("[data-testid=guide-result][data-state=ok]").waitFor({ timeout: 30000 });
    await page.screenshot({ path: join(root, "tests/artifacts/firstrun-test-show.png") });
    await page.waitForTimeout(2000);
    assert.equal(n.recordings().length, 1, "nginx-rtmp received the test show");
    await guide.getByTestId("guide-done").click();
    await page.getByTestId("headline").filter({ hasText: /off air/i }).waitFor({ timeout: 10000 });
    assert.equal(await page.getByTestId("guide").count(), 0);
    assert.equal(await page.getByTestId("test-signal").isChecked(), false, "the test show ended with the guide");
    // Reachable later.
    await page.getByTestId("tab-settings").click();
    await page.getByTestId("open-guide").click();
    await page.getByTestId("guide").getByTestId("guide-dests").filter({ hasText: "Custom" }).waitFor();
    await page.getByTestId("guide-skip").click();
  } finally {
    await br.close();
    box.stop();
    n.stop();
  }
});
