// The crop window over a still of the feed: a 9:16 destination's window is dragged on the dashboard
// and the destination's crop position follows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiClient, browser, cspViolations, startDaemon } from "./harness.mjs";

test("drag the crop window over the feed's still to place a vertical crop", { timeout: 90000 }, async () => {
  const box = await startDaemon({ password: "crop-password-1" });
  const br = await browser();
  try {
    const api = await apiClient(box, "crop-password-1");
    const made = await api("POST", "/api/v1/destinations", {
      name: "Shorts", platform: "custom", url: "rtmp://127.0.0.1:9/app", stream_key: "sk_crop_0123456789", enabled: true,
      output: { codec: "h264", width: 720, height: 1280, fps: null, max_kbps: null, fit: "crop", crop_x: 0.5 },
    });
    assert.equal(made.status, 201, made.text);
    assert.equal((await api("POST", "/api/v1/ingest/test-signal", { enabled: true, width: 640, height: 360 })).status, 200);
    const deadline = Date.now() + 30000;
    while ((await api("GET", "/api/v1/feeds/main/preview.jpg")).status !== 200) {
      assert.ok(Date.now() < deadline, "no still of the test signal");
      await new Promise((r) => setTimeout(r, 300));
    }
    const page = await br.newPage({ viewport: { width: 1280, height: 1000 } });
    const csp = cspViolations(page);
    await page.goto(box.url);
    await page.getByTestId("password").fill("crop-password-1");
    await page.getByTestId("login").click();
    const card = page.locator("[data-testid=destination-card]", { hasText: "Shorts" });
    await card.getByRole("button", { name: "Edit" }).click();
    const view = card.getByTestId("crop-view");
    await page.waitForFunction(() => (document.querySelector("[data-testid=crop-still]")?.naturalWidth ?? 0) > 0, null, { timeout: 15000 });
    assert.equal(await card.getByTestId("crop-still").evaluate((i) => `${i.naturalWidth}x${i.naturalHeight}`), "480x270");
    const win = card.getByTestId("crop-window");
    await view.scrollIntoViewIfNeeded();
    const v = await view.boundingBox();
    const w0 = await win.boundingBox();
    // The 9:16 window over a 16:9 still: 0.316 of its width, in the middle.
    assert.ok(Math.abs(w0.width / v.width - 0.316) < 0.02, `window ${w0.width} of ${v.width}`);
    assert.ok(Math.abs(w0.x + w0.width / 2 - (v.x + v.width / 2)) < 3, "centred");
    // Dragged to the right edge: the window follows, the slider too, and the box keeps it.
    await page.mouse.move(v.x + v.width / 2, v.y + v.height / 2);
    await page.mouse.down();
    await page.mouse.move(v.x + v.width * 0.8, v.y + v.height / 2, { steps: 5 });
    await page.mouse.move(v.x + v.width - 1, v.y + v.height / 2, { steps: 5 });
    await page.mouse.up();
    const w1 = await win.boundingBox();
    assert.ok(Math.abs(w1.x + w1.width - (v.x + v.width)) < 3, `the window at the right edge: ${JSON.stringify(w1)} in ${JSON.stringify(v)}`);
    assert.equal(await card.getByTestId("crop-x").inputValue(), "1");
    let crop;
    for (let i = 0; i < 50 && crop !== 1; i++) {
      crop = (await api("GET", `/api/v1/destinations/${made.json.id}`)).json.output.crop_x;
      if (crop !== 1) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(crop, 1, "the destination's crop position follows the drag");
    assert.deepEqual(csp, []);
  } finally {
    await br.close();
    box.stop();
  }
});
