// A box whose database was damaged says so in the browser: on the login page (before anyone can
// log in, since a fresh start needs a new set-up) and on the dashboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { browser, startDaemon } from "./harness.mjs";

const password = "a-strong-password";

async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("a damaged database: the login page and the dashboard say it was restored from a backup", { timeout: 90000 }, async () => {
  let box = await startDaemon({ password });
  const data = join(box.dir, "data");
  const backups = join(data, "backups");
  // The first storage check makes a backup generation when there is none.
  await until("a backup", () => existsSync(backups) && readdirSync(backups).some((f) => f.endsWith(".db")));
  // A clean stop: the WAL is checkpointed into onair.db (whose damage is then what counts).
  const exited = new Promise((r) => box.child.once("exit", r));
  box.child.kill("SIGTERM");
  await exited;
  writeFileSync(join(data, "onair.db"), Buffer.alloc(16384, 0xa5));
  box = await startDaemon({ password, dir: box.dir });
  const br = await browser();
  try {
    const page = await br.newPage();
    await page.goto(box.url);
    const onLogin = page.getByTestId("data-banner");
    await onLogin.waitFor();
    assert.match(await onLogin.textContent(), /restored from the backup/);
    await page.getByTestId("password").fill(password);
    await page.getByTestId("login").click();
    await page.getByTestId("headline").waitFor();
    const onDashboard = page.locator("[data-testid=data-banner]:not([hidden])");
    await onDashboard.waitFor({ timeout: 10000 });
    const text = await onDashboard.textContent();
    assert.match(text, /restored from the backup/);
    assert.match(text, /corrupt-2\d+T\d+Z/);
  } finally {
    await br.close();
    box.stop();
  }
});
