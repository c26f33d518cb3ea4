// Real processes for browser tests: onaird, nginx-rtmp destinations, headless Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readdirSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";

export const root = resolve(import.meta.dirname, "../..");
const children = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Polls `f` every 200 ms until it gives something truthy (returned), or throws after `ms`. */
export async function until(f, ms = 15000, what = "condition") {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function freePort() {
  return new Promise((ok) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
}

async function waitPort(port, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, "127.0.0.1", () => (c.end(), r(true)));
      c.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened`);
}

export async function startDaemon({ password, args = [], dir = mkdtempSync(join(tmpdir(), "onair-web-")) } = {}) {
  const [http, rtmp] = [await freePort(), await freePort()];
  const env = { ...process.env, RUST_LOG: process.env.ONAIR_RUST_LOG ?? "info", NO_COLOR: "1" };
  if (password) env.ONAIR_ADMIN_PASSWORD = password;
  const bin = process.env.ONAIR_BIN ?? join(root, "target/debug/onaird");
  // The log goes to a file (a fresh box prints its set-up code there), and to the terminal on request.
  const logFile = join(dir, "onaird.log");
  const out = openSync(logFile, "a");
  const child = spawn(bin, ["--data-dir", join(dir, "data"), "--http", `127.0.0.1:${http}`, "--rtmp", `127.0.0.1:${rtmp}`, "--srt", "off", "--public-host", "127.0.0.1", "--mdns", "off", ...args], { env, stdio: ["ignore", process.env.ONAIR_DEBUG_LOG ? "inherit" : out, process.env.ONAIR_DEBUG_LOG ? "inherit" : out] });
  children.push(child);
  await waitPort(http);
  return { url: `http://127.0.0.1:${http}`, http, rtmp, dir, child, log: () => readFileSync(logFile, "utf8"), stop: () => child.kill("SIGKILL") };
}

/** Content-Security-Policy violations a page reports: a page the box's CSP broke. */
export function cspViolations(page) {
  const seen = [];
  page.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && seen.push(m.text()));
  page.on("pageerror", (e) => /Content.Security.Policy/i.test(String(e)) && seen.push(String(e)));
  return seen;
}

/** The set-up code a fresh box printed in its log (the same code its status screen shows). */
export async function setupCode(box, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const m = box.log().match(/set-up code ([A-Z0-9]{4}-[A-Z0-9]{4})/);
    if (m) return m[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no set-up code in the box's log");
}

export async function startNginx() {
  const dir = mkdtempSync(join(tmpdir(), "onair-nginx-"));
  mkdirSync(join(dir, "rec"));
  const port = await freePort();
  writeFileSync(
    join(dir, "nginx.conf"),
    `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; error_log ${dir}/error.log info; pid ${dir}/nginx.pid;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:${port}; application app { live on; record all; record_path ${dir}/rec; record_unique on; } } }
`,
  );
  const child = spawn("nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { stdio: "ignore" });
  children.push(child);
  await waitPort(port);
  return { url: `rtmp://127.0.0.1:${port}/app`, port, recordings: () => readdirSync(join(dir, "rec")), stop: () => child.kill("SIGKILL") };
}

export async function browser({ fakeMedia = false } = {}) {
  const media = fakeMedia ? ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"] : [];
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...media],
  });
}

/** A logged-in API client for the box (cookie + CSRF header). */
export async function apiClient(box, password) {
  const r = await fetch(`${box.url}/api/v1/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password }) });
  if (!r.ok) throw new Error(`login ${r.status}`);
  const cookie = r.headers.get("set-cookie").split(";")[0];
  return async (method, path, body) => {
    const res = await fetch(`${box.url}${path}`, {
      method,
      headers: { Cookie: cookie, "X-Requested-With": "onair", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch {}
    return { status: res.status, json, text };
  };
}

/** The local fakes of Twitch, YouTube and Facebook (tests/harness/fake_platforms.rs) as a process. */
export async function startFakePlatforms() {
  const bin = join(root, "target/debug/fake-platforms");
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "ignore"] });
  children.push(child);
  const port = await new Promise((ok, fail) => {
    child.stdout.once("data", (d) => ok(Number(String(d).trim())));
    child.once("exit", (c) => fail(new Error(`fake-platforms exited ${c}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const post = (path, body) => fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return {
    url,
    args: [`--twitch-auth-url=${url}/twitch`, `--twitch-api-url=${url}/twitch`, `--twitch-irc-url=ws://127.0.0.1:${port}/twitch/irc`, `--google-auth-url=${url}/google`, `--youtube-api-url=${url}/yt`, `--facebook-graph-url=${url}/fb`, "--platform-poll-s=1"],
    setLive: (live) => post("/_fake/live", { live }),
    youtubeChat: (author, text, at_ms) => post("/_fake/youtube/chat", { author, text, at_ms }),
    twitchChat: (id, name, text, at_ms) =>
      post("/_fake/twitch/irc", { line: `@badge-info=;color=#1E90FF;display-name=${name};id=${id};tmi-sent-ts=${at_ms};user-id=1000 :${name.toLowerCase()}!${name.toLowerCase()}@x.tmi.twitch.tv PRIVMSG #twitchdev :${text}` }),
    ircClients: async () => (await (await fetch(`${url}/_fake/irc-clients`)).json()).clients,
    stop: () => child.kill("SIGKILL"),
  };
}
