// The settings backup from the dashboard: downloaded encrypted, and a restore with a wrong passphrase
// refused with the reason on screen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { apiClient, browser, cspViolations, startDaemon } from "./harness.mjs";

test("download the settings backup, and a restore with the wrong passphrase is refused", { timeout: 60000 }, async () => {
  const box = await startDaemon({ password: "backup-password-1" });
  const br = await browser();
  try {
    const api = await apiClient(box, "backup-password-1");
    assert.equal((await api("POST", "/api/v1/destinations", { name: "Kept", platform: "custom", url: "rtmp://127.0.0.1:9/app", stream_key: "sk_browser_backup_01" })).status, 201);
    const page = await br.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const csp = cspViolations(page);
    page.on("dialog", (d) => d.accept());
    await page.goto(`${box.url}/#settings`);
    await page.getByTestId("password").fill("backup-password-1");
    await page.getByTestId("login").click();
    const form = page.getByTestId("backup-form");
    await form.locator("input[name=passphrase]").fill("a passphrase for the test");
    const got = page.waitForEvent("download");
    await form.getByRole("button").click();
    const dl = await got;
    const file = join(box.dir, "saved.onairbackup");
    await dl.saveAs(file);
    assert.match(dl.suggestedFilename(), /^onair-settings-.*\.onairbackup$/);
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 8).toString(), "ONAIRBK1");
    assert.ok(!bytes.includes("sk_browser_backup_01"), "the key is not in the clear");
    const restore = page.getByTestId("restore-form");
    await restore.locator("input[name=file]").setInputFiles(file);
    await restore.locator("input[name=passphrase]").fill("not the passphrase");
    await restore.getByRole("button", { name: "Restore" }).click();
    await page.getByText("wrong passphrase").first().waitFor({ timeout: 10000 });
    assert.equal((await api("GET", "/api/v1/destinations")).json.length, 1, "nothing changed");
    assert.deepEqual(csp, []);
  } finally {
    await br.close();
    box.stop();
  }
});
