// Alert channels from the dashboard: a signed webhook added in the form (its secret never shown
// again), "Test" delivers a message a receiver on loopback verifies with the secret, the kinds a
// channel gets are saved as rules; the panel in Portuguese for a pt-BR browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { apiClient, browser, cspViolations, startDaemon } from "./harness.mjs";

const SECRET = "browser-test-secret-0123";

test("add a signed webhook, test it, choose what it gets", { timeout: 90000 }, async () => {
  const got = [];
  const rx = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.end("ok");
    });
  });
  await new Promise((ok) => rx.listen(0, "127.0.0.1", ok));
  const hook = `http://127.0.0.1:${rx.address().port}/hook`;
  const box = await startDaemon({ password: "notify-password-1" });
  const br = await browser();
  try {
    const api = await apiClient(box, "notify-password-1");
    const page = await br.newPage({ viewport: { width: 1280, height: 900 } });
    const csp = cspViolations(page);
    page.on("dialog", (d) => d.accept());
    await page.goto(`${box.url}/#settings`);
    await page.getByTestId("password").fill("notify-password-1");
    await page.getByTestId("login").click();
    const panel = page.getByTestId("notify-panel");
    await panel.getByText("Add a channel").click();
    const form = panel.getByTestId("channel-form");
    await form.locator("input[name=name]").fill("Ops hook");
    await form.locator("input[name=url]").fill(hook);
    await form.locator("input[name=secret]").fill(SECRET);
    await form.getByRole("button", { name: "Add channel" }).click();
    const row = panel.getByTestId("channel-row").filter({ hasText: "Ops hook" });
    await row.waitFor({ timeout: 10000 });
    assert.ok(!(await page.content()).includes(SECRET), "the secret is not on the page");
    const listed = (await api("GET", "/api/v1/notify/channels")).json;
    assert.equal(listed.length, 1);
    assert.ok(!JSON.stringify(listed).includes(SECRET));
    // A new channel gets the failures that matter by default.
    const rules = (await api("GET", "/api/v1/notify/rules")).json;
    assert.ok(rules.some((r) => r.channels.includes(listed[0].id) && r.kinds.includes("destination_failed") && r.kinds.includes("feed_lost")), JSON.stringify(rules));

    await row.getByTestId("channel-test").click();
    const start = Date.now();
    while (got.length === 0 && Date.now() - start < 10000) await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, 1, "the test arrived");
    const sig = createHmac("sha256", SECRET).update(got[0].body).digest("hex");
    assert.equal(got[0].headers["x-onair-signature"], `sha256=${sig}`);
    assert.equal(JSON.parse(got[0].body).kind, "test");
    await row.getByText("last message").waitFor({ timeout: 10000 });

    // What goes to it: only "The show ended", saved as the channel's rule.
    await row.getByText("What goes here").click();
    for (const box of await row.locator("[data-testid=channel-kinds] input").all()) await box.uncheck();
    await row.getByLabel("The show ended").check();
    await row.getByTestId("channel-save-kinds").click();
    await page.getByText("Saved").first().waitFor({ timeout: 5000 });
    assert.deepEqual((await api("GET", "/api/v1/notify/rules")).json, [{ kinds: ["show_ended"], channels: [listed[0].id] }]);
    assert.deepEqual(csp, []);

    // In Portuguese.
    const ptCtx = await br.newContext({ locale: "pt-BR" });
    const pt = await ptCtx.newPage();
    await pt.goto(`${box.url}/#settings`);
    await pt.getByTestId("password").fill("notify-password-1");
    await pt.getByTestId("login").click();
    await pt.getByTestId("notify-panel").getByText("Alertas no celular").waitFor({ timeout: 10000 });
    await pt.getByTestId("channel-row").getByRole("button", { name: "Testar" }).waitFor({ timeout: 10000 });
    await ptCtx.close();
  } finally {
    await br.close();
    await box.stop();
    rx.close();
  }
});
