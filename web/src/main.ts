import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { api, ApiError } from "./api";
import { esc, run, toast } from "./ui";
import { t, tf } from "./i18n";
import { gridViewUrl, guestViewPath, guestViewUrl, loadViewLinks, rotateViewLinks } from "./viewlinks";
import { initPlatforms, onPlatformEvent, platformsHtml } from "./platforms";
import { historyHtml, initHistory, loadHistory } from "./history";
import { initTalkback, talkbackHtml } from "./talkback";
import { alertSettingsHtml, initManage, manageHtml, setDestinations } from "./manage";
import { connectFeed, type FeedState } from "./events";
import { dataBanner, type Recovery } from "./storage";
import { bytes, duration, headline, kbps, maskKey, pushSample, stateLabel, type DestState } from "./format";

const app = document.getElementById("app")!;

async function boot() {
  const s = await api<{ setup_required: boolean; authenticated: boolean; recovery?: Recovery | null; disk_full?: boolean }>("GET", "/session");
  const banner = dataBanner(s.recovery, !!s.disk_full);
  if (s.setup_required) return passwordPage(true, banner);
  if (!s.authenticated) return passwordPage(false, banner);
  dashboard();
}

function passwordPage(setup: boolean, banner: string | null = null) {
  app.innerHTML = `
    <form class="auth card" data-testid="auth-form">
      <h1>on<span>air</span></h1>
      ${banner ? `<p class="data-banner" data-testid="data-banner" role="alert">${esc(banner)}</p>` : ""}
      <p>${esc(setup ? t("auth.welcome") : t("auth.loginPrompt"))}</p>
      <input type="password" name="password" data-testid="password" placeholder="${esc(t("auth.password"))}" autocomplete="${setup ? "new-password" : "current-password"}" required minlength="${setup ? 8 : 1}" autofocus />
      ${setup ? `<input name="code" data-testid="setup-code" placeholder="${esc(t("auth.setupCode"))}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" />
      <p class="hint" data-testid="setup-hint">${esc(t("auth.setupHint"))}</p>` : ""}
      <button class="primary" data-testid="${setup ? "setup" : "login"}">${esc(setup ? t("auth.setPassword") : t("auth.logIn"))}</button>
    </form>`;
  const form = app.querySelector("form")!;
  const hint = app.querySelector("[data-testid=setup-hint]");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const password = (form.elements.namedItem("password") as HTMLInputElement).value;
    const code = setup ? (form.elements.namedItem("code") as HTMLInputElement).value.trim() : "";
    run(async () => {
      if (!setup) {
        await api("POST", "/login", { password });
        return dashboard();
      }
      try {
        if (code) {
          await api("POST", "/setup", { password, code });
        } else {
          // No code: ask for a Go Live press. The box's screen shows this request's label; the
          // press approves this browser's request only.
          const r = await api<{ request: string; label: string }>("POST", "/setup/request");
          if (hint) hint.textContent = tf("auth.pressGoLive", { label: r.label });
          if (!(await pressSeen(r.request))) throw new Error(t("auth.pressTimeout"));
          await api("POST", "/setup", { password, request: r.request });
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return passwordPage(false);
        throw err;
      }
      dashboard();
    });
  });
}

async function pressSeen(request: string, ms = 120000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await api<{ setup_required: boolean; setup_press: boolean }>("GET", `/session?request=${encodeURIComponent(request)}`);
    if (!s.setup_required || s.setup_press) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

interface Dest {
  id: number;
  name: string;
  platform: string;
  state: DestState;
  kbps: number;
  bytes_sent: number;
  reconnects: number;
  dropped_frames: number;
  uptime_s: number;
  last_error: string | null;
  viewers: number | null;
  enabled: boolean;
  platform_live: boolean | null;
  confirmed_by: "platform" | "box";
}

const cards = new Map<number, { el: HTMLElement; plot: uPlot; series: number[] }>();
let presets: { platform: string; url: string | null }[] = [];

function dashboard() {
  app.innerHTML = `
    <header class="top">
      <div class="brand">on<span>air</span></div>
      <div class="headline off" data-testid="headline">OFF AIR</div>
      <div class="clock" data-testid="duration">—</div>
      <div class="feed-state" data-testid="feed-state"></div>
      <button class="ghost" data-act="logout">Log out</button>
    </header>
    <div class="data-banner" data-testid="data-banner" role="alert" hidden></div>
    <section class="controls">
      <button class="golive" data-act="go" data-testid="go-live">Go Live</button>
      <button class="pause" data-act="pause" data-testid="pause">Pause</button>
      <button class="stop" data-act="stop" data-testid="stop">Stop</button>
      <label class="switch"><input type="checkbox" data-act="testsig" data-testid="test-signal" /> Test signal</label>
    </section>
    <main class="grid">
      <section class="card ingest" data-testid="ingest-card">
        <h2>Program feed</h2>
        <div class="ingest-state"></div>
        <dl class="ingest-info"></dl>
        <div class="ingest-chart" data-testid="ingest-chart"></div>
        <div class="dim ingest-drops" data-testid="ingest-drops"></div>
        <div class="ingest-url">
          <label>Server <code data-field="rtmp_url"></code> <button class="ghost small" data-copy="rtmp_url">Copy</button></label>
          <label>Key <code data-field="key"></code> <button class="ghost small" data-copy="key">Copy</button> <button class="ghost small" data-act="rotate">Rotate</button></label>
        </div>
      </section>
      <section class="dests" data-testid="destinations"></section>
      <section class="card guests" data-testid="guests-panel">
        <h2>Guests</h2>
        <form class="invite" data-testid="invite-form">
          <input name="name" placeholder="Guest name" required maxlength="60" data-testid="invite-name" />
          <button class="small primary" data-testid="invite">Invite</button>
        </form>
        <div class="invite-link" data-testid="invite-link"></div>
        <div class="guest-list" data-testid="guest-list"></div>
        <div class="dest-actions">
          <button class="ghost small" data-act="gcopygrid" data-testid="copy-grid-link">${t("guests.copyGrid")}</button>
          <button class="ghost small" data-act="grotate" data-testid="rotate-view-links">${t("guests.rotateView")}</button>
        </div>
        <p class="dim">${t("guests.viewHint")}</p>
        ${talkbackHtml()}
      </section>
      <section class="card obs" data-testid="obs-panel">
        <h2>OBS <span class="obs-state" data-testid="obs-state"></span></h2>
        <div class="scenes" data-testid="obs-scenes"></div>
        <div class="obs-actions">
          <button class="small" data-act="obs-setup" title="Write the box's server and key into OBS">Set up OBS to stream here</button>
        </div>
        <details>
          <summary>Connection</summary>
          <form data-testid="obs-form" class="obs-form">
            <input name="host" placeholder="OBS host (e.g. 192.168.1.20)" required />
            <input name="port" type="number" value="4455" min="1" max="65535" required />
            <input name="password" type="password" placeholder="WebSocket password" autocomplete="off" />
            <button class="small primary">Save</button>
          </form>
        </details>
      </section>
      <section class="card box" data-testid="box-panel">
        <h2>The box <span class="tally" data-testid="tally"></span></h2>
        <img class="screen" data-testid="box-screen" alt="The box's status screen" />
        <div class="hw-buttons">
          <button class="small" data-hw="go-live" title="Press to go live; hold 1.5 s to stop">Go Live / Stop</button>
          <button class="small" data-hw="next-scene">Next scene</button>
          <button class="small" data-hw="mute-guests">Mute guests</button>
          <button class="small" data-hw="user">User</button>
        </div>
      </section>
      ${platformsHtml()}
      ${manageHtml()}
      ${historyHtml()}
      <section class="card alerts" data-testid="alerts-panel">
        <h2>Alerts</h2>
        <ol class="alert-list" data-testid="alert-list"></ol>
        ${alertSettingsHtml()}
      </section>
      <section class="card tokens" data-testid="tokens-panel">
        <h2>API tokens</h2>
        <form class="invite" data-testid="token-form"><input name="name" placeholder="Token name (e.g. Stream Deck)" required maxlength="100" /><button class="small">Create</button></form>
        <div class="invite-link" data-testid="token-secret"></div>
        <ul class="token-list" data-testid="token-list"></ul>
      </section>
      <section class="card add">
        <h2>Add destination</h2>
        <form data-testid="add-destination">
          <select name="platform" data-testid="platform"></select>
          <input name="name" placeholder="Name" required maxlength="100" data-testid="dest-name" />
          <input name="url" placeholder="Server URL" data-testid="dest-url" />
          <input name="stream_key" type="password" placeholder="Stream key" autocomplete="off" data-testid="dest-key" />
          <button class="primary" data-testid="add">Add</button>
        </form>
      </section>
    </main>`;
  app.addEventListener("click", onClick);
  const form = app.querySelector<HTMLFormElement>("[data-testid=add-destination]")!;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(form);
    run(async () => {
      await api("POST", "/destinations", {
        name: f.get("name"),
        platform: f.get("platform"),
        url: f.get("url") || undefined,
        stream_key: f.get("stream_key") || "",
        enabled: true,
      });
      form.reset();
      fillUrl();
      refresh();
    });
  });
  const inviteForm = app.querySelector<HTMLFormElement>("[data-testid=invite-form]")!;
  inviteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = (inviteForm.elements.namedItem("name") as HTMLInputElement).value;
    run(async () => {
      const inv = await api("POST", "/guests/invites", { name, expires_in_s: 86400, max_uses: 3, permissions: { audio: true, video: true, screen: false } });
      const box = app.querySelector<HTMLElement>("[data-testid=invite-link]")!;
      box.innerHTML = `<label>Send this link to ${esc(inv.name)}: <code>${esc(inv.url)}</code> <button class="ghost small" data-link="${esc(inv.url)}">Copy</button></label>`;
      inviteForm.reset();
    });
  });
  const tokenForm = app.querySelector<HTMLFormElement>("[data-testid=token-form]")!;
  tokenForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = (tokenForm.elements.namedItem("name") as HTMLInputElement).value;
    run(async () => {
      const t = await api("POST", "/tokens", { name });
      app.querySelector("[data-testid=token-secret]")!.innerHTML = `Copy it now, it is shown once: <code>${esc(t.token)}</code>`;
      tokenForm.reset();
      loadTokens();
    });
  });
  loadTokens();
  loadAlerts();
  const obsForm = app.querySelector<HTMLFormElement>("[data-testid=obs-form]")!;
  obsForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(obsForm);
    run(async () => {
      await api("PUT", "/obs/connection", { host: f.get("host"), port: Number(f.get("port")), password: f.get("password") || null });
      toast("Saved; connecting to OBS…");
    });
  });
  const sel = form.querySelector("select")!;
  sel.addEventListener("change", fillUrl);
  api<typeof presets>("GET", "/platforms/presets").then((p) => {
    presets = p;
    sel.innerHTML = p.map((x) => `<option value="${esc(x.platform)}">${esc(x.platform)}</option>`).join("");
    fillUrl();
  });
  app.querySelector<HTMLInputElement>("[data-act=testsig]")!.addEventListener("change", (e) => {
    run(() => api("POST", "/ingest/test-signal", { enabled: (e.target as HTMLInputElement).checked }));
  });
  // Box buttons send a press as long as the mouse or finger holds them, like the real button.
  app.querySelectorAll<HTMLElement>("[data-hw]").forEach((b) => {
    let down = 0;
    const start = (e: Event) => {
      e.preventDefault();
      down = performance.now();
    };
    const end = () => {
      if (!down) return;
      // A real button press lasts at least ~100 ms; a shorter one would be debounced away as a glitch.
      const ms = Math.max(100, Math.min(10000, Math.round(performance.now() - down)));
      down = 0;
      run(() => api("POST", `/hw/buttons/${b.dataset.hw}/press`, { ms }).then(() => setTimeout(refresh, 450)));
    };
    b.addEventListener("pointerdown", start);
    b.addEventListener("pointerup", end);
    b.addEventListener("pointerleave", end);
  });
  refresh();
  loadIngest();
  refreshHw();
  initPlatforms(app);
  initManage(app, refresh);
  initHistory(app);
  initTalkback(app);
  ingestPlot = new uPlot(
    { width: 300, height: 70, legend: { show: false }, cursor: { show: false }, axes: [{ show: false }, { stroke: "#8b949e", size: 40, values: (_u, v) => v.map((x) => (x >= 1000 ? `${x / 1000}M` : `${x}k`)) }], scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 1000)] } }, series: [{}, { stroke: "#58a6ff", fill: "rgba(88,166,255,.15)", width: 2, points: { show: false } }] },
    [[], []],
    app.querySelector<HTMLElement>("[data-testid=ingest-chart]")!,
  );
  connectFeed(onEvent, onFeed);
}

let hwTimer: ReturnType<typeof setTimeout> | undefined;
async function refreshHw() {
  clearTimeout(hwTimer);
  try {
    const hw = await api("GET", "/hw");
    const t = app.querySelector<HTMLElement>("[data-testid=tally]");
    if (t) {
      t.className = `tally ${hw.tally}`;
      t.dataset.state = hw.tally;
      t.title = `Tally: ${hw.tally}`;
    }
    const img = app.querySelector<HTMLImageElement>("[data-testid=box-screen]");
    if (img) img.src = `/api/v1/hw/screen.png?t=${Date.now()}`;
  } catch {
    app.querySelector<HTMLElement>("[data-testid=box-panel]")?.remove();
    return;
  }
  hwTimer = setTimeout(refreshHw, 2000);
}

function fillUrl() {
  const form = app.querySelector<HTMLFormElement>("[data-testid=add-destination]")!;
  const p = presets.find((x) => x.platform === (form.platform as any).value);
  (form.url as HTMLInputElement).value = p?.url ?? "";
  (form.url as HTMLInputElement).placeholder = p?.url ? "" : "rtmp://, rtmps:// or srt://";
}

let ingest: any = {};
let ingestPlot: uPlot | null = null;
let ingestSeries: number[] = [];
async function loadIngest() {
  ingest = await api("GET", "/ingest");
  app.querySelector("[data-field=rtmp_url]")!.textContent = ingest.rtmp_url;
  app.querySelector("[data-field=key]")!.textContent = maskKey(ingest.key);
}

async function refresh() {
  render(await api("GET", "/status"));
}

function onFeed(s: FeedState) {
  const el = app.querySelector("[data-testid=feed-state]");
  if (!el) return;
  if (s === "signed_out") return passwordPage(false, t("feed.signedOut"));
  el.className = `feed-state ${s}`;
  el.textContent = s === "open" ? "" : s === "connecting" ? "Connecting to the box…" : s === "replaced" ? t("feed.replaced") : "Disconnected from the box — reconnecting…";
}

function onEvent(m: any) {
  if (m.type === "status") return render(m.status);
  if (onPlatformEvent(m)) return;
  if (m.type === "show") loadHistory();
  refreshHw();
  if (m.type === "alert") {
    toast(m.message, m.level === "error" ? "bad" : "info");
    loadAlerts();
  }
  if (m.type === "ingest_refused") toast(`Refused a publisher: ${m.reason}`, "bad");
  if (m.type === "destination_updated" && m.output !== "unchanged") toast(tf(`destinations.${m.output as "restarted" | "started" | "stopped"}`, { id: String(m.id) }));
  refresh();
}

function onClick(e: Event) {
  const b = (e.target as HTMLElement).closest<HTMLElement>("[data-act],[data-copy],[data-link]");
  if (!b) return;
  const act = b.dataset.act;
  if (b.dataset.link) {
    navigator.clipboard?.writeText(b.dataset.link);
    return toast("Invite link copied");
  }
  const gid = b.closest<HTMLElement>("[data-guest]")?.dataset.guest;
  if (act === "gmute") run(() => api("POST", `/guests/${gid}/mute`, { audio: b.dataset.on !== "1" }).then(refresh));
  if (act === "gremove" && confirm("Remove this guest from the show?")) run(() => api("DELETE", `/guests/${gid}`).then(refresh));
  if (act === "gscene")
    run(() =>
      api("GET", "/obs/scenes").then((sc) =>
        guestViewUrl(gid!).then((url) => api("POST", "/obs/browser-source", { scene: sc.current, name: `Guest ${b.dataset.name}`, url, width: 1280, height: 720 })),
      ).then(() => toast("Added to the current OBS scene")),
    );
  if (act === "gcopy") run(() => guestViewUrl(gid!).then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.viewCopied"))));
  if (act === "gcopygrid") run(() => gridViewUrl().then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.gridCopied"))));
  if (act === "grotate" && confirm(t("guests.rotateConfirm"))) run(() => rotateViewLinks().then(refresh).then(() => toast(t("guests.rotated"))));
  if (b.dataset.copy) {
    navigator.clipboard?.writeText(ingest[b.dataset.copy] ?? "");
    return toast("Copied");
  }
  const id = b.closest<HTMLElement>("[data-id]")?.dataset.id;
  if (act === "go") run(() => api("POST", "/live/start").then(render));
  if (act === "pause") run(() => api("POST", b.dataset.paused === "1" ? "/live/resume" : "/live/pause").then(render));
  if (act === "stop" && confirm("Stop the show on every destination?")) run(() => api("POST", "/live/stop").then(render));
  if (act === "rotate" && confirm("Rotate the ingest key? OBS must be given the new key.")) run(() => api("POST", "/ingest/rotate-key").then(loadIngest));
  if (act === "dstart") run(() => api("POST", `/destinations/${id}/start`).then(refresh));
  if (act === "dstop") run(() => api("POST", `/destinations/${id}/stop`).then(refresh));
  if (act === "ddelete" && confirm("Remove this destination?")) run(() => api("DELETE", `/destinations/${id}`).then(refresh));
  if (act === "obs-setup") run(() => api("POST", "/obs/setup-stream").then(() => toast("OBS now streams to this box")));
  if (act === "scene") run(() => api("POST", "/obs/scene", { name: b.dataset.scene }));
  if (act === "trevoke" && confirm("Revoke this token?")) run(() => api("DELETE", `/tokens/${b.dataset.token}`).then(loadTokens));
  if (act === "logout") run(() => api("POST", "/logout").then(() => location.reload()));
}

function render(s: any) {
  const dests: Dest[] = s.destinations ?? [];
  const h = headline(s.live, s.paused, dests.filter((d) => d.state !== "idle").map((d) => d.state));
  const hl = app.querySelector<HTMLElement>("[data-testid=headline]");
  if (!hl) return;
  hl.textContent = h.text;
  hl.className = `headline ${h.tone}`;
  app.querySelector("[data-testid=duration]")!.textContent = s.live ? duration(s.duration_s) : "—";
  const pause = app.querySelector<HTMLElement>("[data-act=pause]")!;
  pause.textContent = s.paused ? "Resume" : "Pause";
  pause.dataset.paused = s.paused ? "1" : "0";
  (app.querySelector("[data-act=go]") as HTMLButtonElement).disabled = s.live;
  (app.querySelector("[data-act=stop]") as HTMLButtonElement).disabled = !s.live;
  (pause as HTMLButtonElement).disabled = !s.live;
  (app.querySelector("[data-act=testsig]") as HTMLInputElement).checked = !!s.test_signal;
  const banner = app.querySelector<HTMLElement>("[data-testid=data-banner]")!;
  const said = dataBanner(s.recovery, !!s.disk_full);
  banner.hidden = !said;
  banner.textContent = said ?? "";
  const i = s.ingest ?? {};
  const st = app.querySelector(".ingest-state")!;
  const on = i.connected || i.proto === "test-signal";
  st.className = `ingest-state ${on ? "on" : "off"}`;
  st.textContent = i.connected ? `Connected (${String(i.proto).toUpperCase()})` : i.proto === "test-signal" ? "Test signal" : "No feed";
  const v = i.video ?? {};
  const a = i.audio ?? {};
  app.querySelector(".ingest-info")!.innerHTML = on
    ? `<dt>Video</dt><dd>${esc(v.codec)} ${v.width}×${v.height} · ${Number(v.fps ?? 0).toFixed(1)} fps · ${kbps(v.kbps)}</dd>
       <dt>Audio</dt><dd>${esc(a.codec)} ${a.sample_rate} Hz · ${a.channels} ch · ${kbps(a.kbps)}</dd>
       <dt>On air</dt><dd>${esc(s.on_air)}</dd>`
    : `<dt>Point OBS at</dt><dd>the server and key below (Settings → Stream → Custom)</dd>`;
  const total = on ? (v.kbps ?? 0) + (a.kbps ?? 0) : 0;
  ingestSeries = pushSample(ingestSeries, total);
  ingestPlot?.setData([ingestSeries.map((_, i) => i), ingestSeries]);
  const outDrops = dests.reduce((n, d) => n + (d.dropped_frames ?? 0), 0);
  const o = s.obs ?? {};
  app.querySelector("[data-testid=ingest-drops]")!.textContent =
    (o.connected ? `OBS dropped ${o.dropped_frames ?? 0} of ${o.total_frames ?? 0} frames · ` : "") + `outputs dropped ${outDrops} frames`;
  renderDests(dests);
  setDestinations(dests);
  renderObs(s.obs ?? {});
  renderGuests(s.guests ?? []);
}

function renderGuests(gs: any[], fetched = false) {
  const box = app.querySelector<HTMLElement>("[data-testid=guest-list]");
  if (!box) return;
  // A guest new to the dashboard: its view link (with its token) comes from the box.
  if (!fetched && gs.some((g) => !guestViewPath(g.id))) loadViewLinks().then(() => renderGuests(gs, true)).catch(() => {});
  box.innerHTML = gs.length
    ? gs
        .map(
          (g) => `<div class="guest" data-guest="${esc(g.id)}" data-testid="guest-row">
        <b>${esc(g.name)}</b>${g.host ? ` <span class="dim">(you, talkback)</span>` : ""} <span class="badge ${g.state === "live" ? "live" : "connecting"}">${esc(g.state)}</span>
        <span class="quality q-${esc(g.quality)}" data-testid="guest-quality" title="What the box asks of this guest's sender">${esc(g.quality)} · ≤${g.max_bitrate_kbps} kb/s${g.available_kbps ? ` · est. ${g.available_kbps} kb/s` : ""}</span>
        <div class="dest-stats"><span>${kbps(g.kbps)}</span><span>${g.width ?? "?"}×${g.height ?? "?"} · ${g.fps} fps</span>
        <span>${g.rtt_ms != null ? `${g.rtt_ms} ms` : "RTT n/a"}</span><span>jitter ${g.jitter_ms ?? "?"} ms</span><span>loss ${g.loss_pct ?? 0}%</span><span>${g.viewers} viewing</span></div>
        <div class="dest-actions">
          <button class="small" data-act="gmute" data-on="${g.muted_audio ? "1" : "0"}">${g.muted_audio ? "Unmute" : "Mute"}</button>
          <button class="small" data-act="gscene" data-name="${esc(g.name)}">Add to scene</button>
          <a class="small" href="${esc(guestViewPath(g.id) ?? "#")}" target="_blank" data-testid="guest-view-link">View</a>
          <button class="ghost small" data-act="gcopy" data-testid="copy-view-link">${t("guests.copyView")}</button>
          <button class="ghost small" data-act="gremove">Remove</button>
        </div></div>`,
        )
        .join("")
    : `<p class="empty">No guests on. Invite someone: they join from a browser, no install.</p>`;
}

let sceneKey = "";
function renderObs(o: any) {
  const st = app.querySelector<HTMLElement>("[data-testid=obs-state]");
  if (!st) return;
  st.textContent = o.connected ? `connected · ${o.version} · ${o.streaming ? "streaming" : "not streaming"}${o.cpu_pct ? ` · CPU ${o.cpu_pct}%` : ""}` : o.configured ? o.error ?? "connecting…" : "not set up";
  st.className = `obs-state ${o.connected ? "on" : "off"}`;
  const box = app.querySelector<HTMLElement>("[data-testid=obs-scenes]")!;
  if (!o.connected) {
    box.innerHTML = "";
    sceneKey = "";
    return;
  }
  const key = `${o.scene}`;
  if (key === sceneKey && box.childElementCount) return;
  sceneKey = key;
  api<{ current: string; scenes: string[] }>("GET", "/obs/scenes")
    .then((sc) => {
      box.innerHTML = sc.scenes
        .map((n) => `<button class="small scene ${n === sc.current ? "current" : ""}" data-act="scene" data-scene="${esc(n)}">${esc(n)}</button>`)
        .join("");
    })
    .catch(() => {});
}

function renderDests(dests: Dest[]) {
  const box = app.querySelector<HTMLElement>("[data-testid=destinations]")!;
  const seen = new Set<number>();
  for (const d of dests) {
    seen.add(d.id);
    let c = cards.get(d.id);
    if (!c) {
      const el = document.createElement("article");
      el.className = "card dest";
      el.dataset.id = String(d.id);
      el.dataset.testid = "destination-card";
      el.innerHTML = `
        <div class="dest-head"><span class="platform"></span><h3></h3><span class="badge" data-testid="dest-state"></span></div>
        <div class="spark"></div>
        <div class="dest-stats"></div>
        <div class="dest-error"></div>
        <div class="dest-actions">
          <button class="small" data-act="dstart">Start</button>
          <button class="small" data-act="dstop">Stop</button>
          <button class="ghost small" data-mact="dedit">Edit</button>
          <button class="ghost small" data-act="ddelete">Remove</button>
        </div>
        <div class="edit-slot"></div>`;
      box.append(el);
      const plot = new uPlot(
        { width: 260, height: 48, legend: { show: false }, cursor: { show: false }, axes: [{ show: false }, { show: false }], scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 1000)] } }, series: [{}, { stroke: "#3ddc84", fill: "rgba(61,220,132,.15)", width: 2, points: { show: false } }] },
        [[], []],
        el.querySelector<HTMLElement>(".spark")!,
      );
      c = { el, plot, series: [] };
      cards.set(d.id, c);
    }
    c.series = pushSample(c.series, d.kbps);
    c.plot.setData([c.series.map((_, i) => i), c.series]);
    c.el.querySelector(".platform")!.textContent = d.platform;
    c.el.querySelector("h3")!.textContent = d.name;
    const badge = c.el.querySelector<HTMLElement>(".badge")!;
    badge.textContent = stateLabel[d.state] ?? d.state;
    badge.className = `badge ${d.state}`;
    badge.dataset.state = d.state;
    c.el.querySelector(".dest-stats")!.innerHTML = `
      <span data-testid="dest-kbps">${kbps(d.kbps)}</span>
      <span>up ${duration(d.uptime_s)}</span>
      <span>${d.reconnects} reconnect${d.reconnects === 1 ? "" : "s"}</span>
      <span>${bytes(d.bytes_sent)}</span>
      ${d.viewers != null ? `<span data-testid="dest-viewers">${d.viewers} viewers</span>` : ""}
      <span class="confirm" title="${d.confirmed_by === "platform" ? "The platform's own API confirms this state" : "The box's own output: this platform is not linked or has no public live API"}">${d.confirmed_by === "platform" ? (d.platform_live ? "✓ seen live by " + esc(d.platform) : "⚠ " + esc(d.platform) + " reports offline") : "box output only"}</span>`;
    c.el.classList.toggle("platform-offline", d.state === "live" && d.platform_live === false);
    c.el.querySelector(".dest-error")!.textContent = d.last_error && d.state !== "live" ? d.last_error : "";
  }
  for (const [id, c] of cards) {
    if (!seen.has(id)) {
      c.plot.destroy();
      c.el.remove();
      cards.delete(id);
    }
  }
  if (!dests.length && !box.querySelector(".empty")) box.innerHTML = `<p class="empty card">No destinations yet. Add Twitch, YouTube, Facebook, TikTok, Instagram or any RTMP/SRT server.</p>`;
  if (dests.length) box.querySelector(".empty")?.remove();
}

boot().catch((e) => {
  app.innerHTML = `<p class="card">Cannot reach the box: ${esc(e)}</p>`;
});

async function loadTokens() {
  const list = await api<any[]>("GET", "/tokens").catch(() => []);
  const ul = app.querySelector("[data-testid=token-list]");
  if (ul) ul.innerHTML = list.map((t) => `<li>${esc(t.name)} <span class="dim">${t.last_used_at ? "used " + new Date(t.last_used_at * 1000).toLocaleString() : "never used"}</span> <button class="ghost small" data-act="trevoke" data-token="${t.id}">Revoke</button></li>`).join("") || `<li class="dim">No tokens. Scripts and Stream Deck plug-ins use them as Bearer tokens.</li>`;
}

async function loadAlerts() {
  const list = await api<any[]>("GET", "/alerts").catch(() => []);
  const ol = app.querySelector("[data-testid=alert-list]");
  if (ol) ol.innerHTML = list.slice(0, 15).map((a) => `<li class="${esc(a.level)}"><time>${new Date(a.at * 1000).toLocaleTimeString()}</time> ${esc(a.message)}</li>`).join("") || `<li class="dim">All clear.</li>`;
}
