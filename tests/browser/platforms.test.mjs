// Platforms in a real browser: link YouTube from the dashboard through the device flow (against the
// local fake), read Twitch chat anonymously, and see both chats merged in time order on the
// dashboard and on the OBS overlay page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { apiClient, browser, root, startDaemon, startFakePlatforms } from "./harness.mjs";

const artifacts = join(root, "tests/artifacts");
mkdirSync(artifacts, { recursive: true });
const PASSWORD = "platforms-pass-123";

async function until(fn, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("timed out");
}

test("link YouTube from the dashboard, chat from Twitch and YouTube merged on the dashboard and the overlay", { timeout: 120000 }, async () => {
  const fake = await startFakePlatforms();
  const box = await startDaemon({ password: PASSWORD, args: fake.args });
  const call = await apiClient(box, PASSWORD);
  const br = await browser();
  try {
    const page = await br.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("dialog", (d) => d.accept());
    await page.goto(box.url);
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("login").click();
    // Linking is in the platforms view; the chat is on the show's.
    await page.getByTestId("tab-platforms").click();
    const yt = page.locator("[data-testid=platform-row][data-platform=youtube]");
    await yt.waitFor();
    // The user's own Google app, then the device flow: the code is shown, approval happens on the phone.
    await yt.locator("summary").click();
    await yt.locator("input[name=client_id]").fill("123-abc.apps.googleusercontent.com");
    await yt.locator("input[name=client_secret]").fill("GOCSPX-browser-secret");
    await yt.getByRole("button", { name: "Save" }).click();
    await yt.getByRole("button", { name: "Link account" }).click();
    await yt.getByTestId("link-code").filter({ hasText: "GQVQ-JKEC" }).waitFor({ timeout: 10000 });
    await yt.getByTestId("platform-state").filter({ hasText: "Linked as Fake Tube" }).waitFor({ timeout: 15000 });
    // Twitch chat read-only from a channel name.
    const r = await call("PUT", "/api/v1/platforms/twitch/app", { client_id: "", channel: "twitchdev" });
    assert.equal(r.status, 200, r.text);
    await until(async () => (await fake.ircClients()) > 0);
    await fake.setLive(true);
    await page.locator("[data-platform=youtube] .badge.live").waitFor({ timeout: 10000 });

    const overlay = await br.newPage({ viewport: { width: 600, height: 800 } });
    await overlay.goto(`${box.url}/overlay/chat?bg=1`);
    const t0 = Date.now();
    // Arrival order differs from time order: Twitch pushes at once, YouTube is polled.
    await fake.twitchChat("tw-2", "Alice", "second from twitch", t0 + 2000);
    await fake.youtubeChat("Bob", "first from youtube", t0 + 1000);
    await fake.twitchChat("tw-4", "Alice", "fourth from twitch", t0 + 4000);
    await fake.youtubeChat("Bob", "third from youtube", t0 + 3000);
    const want = ["first from youtube", "second from twitch", "third from youtube", "fourth from twitch"];
    for (const [p, sel] of [[page, "[data-testid=chat-list] [data-testid=chat-line]"], [overlay, "[data-testid=chat-overlay] [data-testid=chat-line]"]]) {
      await p.waitForFunction((s) => document.querySelectorAll(s).length >= 4, sel, { timeout: 20000 });
      const lines = await p.$$eval(sel, (els) => els.map((e) => ({ platform: e.dataset.platform, text: e.querySelector(".text").textContent })));
      assert.deepEqual(lines.map((l) => l.text), want);
      assert.deepEqual(lines.map((l) => l.platform), ["youtube", "twitch", "youtube", "twitch"]);
    }
    // The overlay's marks tell the platforms apart, and the page is transparent for OBS without ?bg.
    assert.equal(await overlay.locator(".twitch .mark").first().textContent(), "T");
    await overlay.screenshot({ path: join(artifacts, "chat-overlay.png") });
    // A message from the dashboard reaches YouTube (whose chat then shows it).
    await page.getByTestId("tab-show").click();
    await page.locator("[data-testid=chat-form] input").fill("hello from the box");
    await page.locator("[data-testid=chat-form] button").click();
    await page.locator("[data-testid=chat-line]", { hasText: "hello from the box" }).waitFor({ timeout: 10000 });
    // Title on every linked platform from the one form.
    await page.getByTestId("tab-platforms").click();
    await page.getByTestId("title-input").fill("Browser title");
    await page.locator("[data-testid=title-form] button").click();
    await page.locator(".toast", { hasText: "Title set on every linked platform" }).waitFor({ timeout: 10000 });
    await page.screenshot({ path: join(artifacts, "dashboard-platforms.png"), fullPage: true });
    // Chat text is shown as text, never as markup.
    await fake.youtubeChat("Mallory", "<img src=x onerror=alert(1)>", Date.now() + 10000);
    await overlay.locator("[data-testid=chat-line]", { hasText: "<img src=x" }).waitFor({ timeout: 10000 });
    assert.equal(await overlay.locator("[data-testid=chat-overlay] img").count(), 0);
    assert.equal(await page.locator("[data-testid=chat-list] img").count(), 0);

    // The alerts overlay: a raid, then a sub, one at a time; what came before it opened is not shown.
    const alerts = await br.newPage({ viewport: { width: 800, height: 450 } });
    await alerts.goto(`${box.url}/overlay/alerts?bg=1&ms=1500&lang=pt-BR`);
    await alerts.waitForTimeout(1500);
    assert.equal(await alerts.locator("[data-testid=alert]").count(), 0, "nothing from before");
    const irc = (line) => fetch(`${fake.url}/_fake/twitch/irc`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ line }) });
    await irc("@display-name=Raider;id=raid-9;msg-id=raid;msg-param-viewerCount=30;system-msg=30\\sraiders\\sfrom\\sRaider;tmi-sent-ts=" + Date.now() + " :tmi.twitch.tv USERNOTICE #twitchdev");
    await irc("@display-name=Subber;id=sub-9;msg-id=sub;system-msg=Subber\\ssubscribed;tmi-sent-ts=" + (Date.now() + 1) + " :tmi.twitch.tv USERNOTICE #twitchdev :love it");
    const raid = alerts.locator("[data-testid=alert][data-kind=raid]");
    await raid.waitFor({ timeout: 10000 });
    assert.equal(await raid.locator(".title").textContent(), "Raid recebida");
    assert.equal(await raid.locator(".who").textContent(), "Raider");
    await alerts.screenshot({ path: join(artifacts, "alerts-overlay.png") });
    const sub = alerts.locator("[data-testid=alert][data-kind=subscription]");
    await sub.waitFor({ timeout: 10000 });
    assert.equal(await alerts.locator("[data-testid=alert]").count(), 1, "one at a time");
    assert.equal(await sub.locator(".title").textContent(), "Novo inscrito");
  } finally {
    await br.close();
    box.stop();
    fake.stop();
  }
});
