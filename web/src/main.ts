import "uplot/dist/uPlot.min.css";
import "./style.css";
import { api, ApiError } from "./api";
import type { ShowStatus } from "./api/ShowStatus";
import { Dispatcher } from "./dispatch";
import { connectFeed, type FeedState } from "./events";
import { type Key, LANG_KEY, lang, t, tf } from "./i18n";
import { alertsPanel } from "./panels/alerts";
import { boxPanel } from "./panels/box";
import { addDestinationPanel, destinationsPanel } from "./panels/destinations";
import { guestsPanel } from "./panels/guests";
import { guidePanel, openGuide, strength } from "./panels/guide";
import { header } from "./panels/header";
import { historyPanel } from "./panels/history";
import { previewPanel } from "./panels/preview";
import { settingsBackupPanel } from "./panels/settings-backup";
import { notifyPanel } from "./panels/notify";
import { ingestPanel } from "./panels/ingest";
import { obsPanel } from "./panels/obs";
import type { Ctx, FeedMessage, Panel } from "./panels/panel";
import { profilesPanel } from "./panels/manage";
import { chatPanel, platformsPanel } from "./panels/platforms";
import { recordingsPanel } from "./panels/recordings";
import { tokensPanel } from "./panels/tokens";
import { dataBanner, type Recovery } from "./storage";
import { esc, run } from "./ui";

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
      <input type="password" name="password" data-testid="password" placeholder="${esc(t("auth.password"))}" aria-label="${esc(t("auth.password"))}" autocomplete="${setup ? "new-password" : "current-password"}" required minlength="${setup ? 8 : 1}" autofocus />
      ${setup ? `<p class="hint" data-testid="password-strength" aria-live="polite"></p>
      <input type="password" name="confirm" data-testid="password-confirm" placeholder="${esc(t("auth.confirm"))}" aria-label="${esc(t("auth.confirm"))}" autocomplete="new-password" required />` : ""}
      ${setup ? `<input name="code" data-testid="setup-code" placeholder="${esc(t("auth.setupCode"))}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" />
      <p class="hint" data-testid="setup-hint">${esc(t("auth.setupHint"))}</p>` : ""}
      <button class="primary" data-testid="${setup ? "setup" : "login"}">${esc(setup ? t("auth.setPassword") : t("auth.logIn"))}</button>
    </form>`;
  const form = app.querySelector("form")!;
  const hint = app.querySelector("[data-testid=setup-hint]");
  const meter = app.querySelector<HTMLElement>("[data-testid=password-strength]");
  const pw = form.elements.namedItem("password") as HTMLInputElement;
  pw.addEventListener("input", () => {
    if (!meter) return;
    const s = strength(pw.value);
    meter.textContent = pw.value ? t(`auth.strength.${s}`) : "";
    meter.dataset.strength = s;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const password = (form.elements.namedItem("password") as HTMLInputElement).value;
    const code = setup ? (form.elements.namedItem("code") as HTMLInputElement).value.trim() : "";
    if (setup && (form.elements.namedItem("confirm") as HTMLInputElement).value !== password) {
      if (meter) meter.textContent = t("auth.mismatch");
      if (meter) meter.dataset.strength = "mismatch";
      return;
    }
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
      // A fresh box: the guide's next steps (destinations, OBS, a test show).
      dashboard();
      openGuide(app);
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

/** The dashboard's views, most needed first: the show (what is on air, where it goes, who is in
 * it) before OBS, the platforms, the history and the settings. Every view is in the page at once
 * (the panels keep their live state); only the chosen one shows. */
const views: { id: string; label: Key; panels: Panel[] }[] = [
  { id: "show", label: "tabs.show", panels: [destinationsPanel, previewPanel, chatPanel, guestsPanel, ingestPanel, addDestinationPanel, boxPanel] },
  { id: "obs", label: "tabs.obs", panels: [obsPanel] },
  { id: "platforms", label: "tabs.platforms", panels: [platformsPanel] },
  { id: "history", label: "tabs.history", panels: [historyPanel, recordingsPanel, alertsPanel] },
  { id: "settings", label: "tabs.settings", panels: [profilesPanel, notifyPanel, tokensPanel, settingsBackupPanel, guidePanel] },
];
const panels: Panel[] = [header, ...views.flatMap((v) => v.panels)];

function render(s: ShowStatus) {
  for (const p of panels) p.render?.(s);
}

function dashboard() {
  const tabs = views
    .map((v) => `<button role="tab" id="tab-${v.id}" data-testid="tab-${v.id}" data-view="${v.id}" aria-controls="view-${v.id}">${esc(t(v.label))}</button>`)
    .join("");
  const langs = (["en", "pt-BR"] as const).map((l) => `<option value="${l}" ${lang() === l ? "selected" : ""}>${l === "en" ? "English" : "Português (Brasil)"}</option>`).join("");
  app.innerHTML = `${header.html()}
    <nav class="tabs"><div role="tablist" aria-label="${esc(t("tabs.label"))}">${tabs}</div>
      <select class="lang" data-testid="language" aria-label="${esc(t("header.language"))}">${langs}</select></nav>
    ${views.map((v) => `<main class="grid view" role="tabpanel" id="view-${v.id}" aria-labelledby="tab-${v.id}" data-testid="view-${v.id}">${v.panels.map((p) => p.html()).join("")}</main>`).join("")}`;
  const acts = new Dispatcher();
  const ctx: Ctx = { root: app, acts, render, refresh: () => void api<ShowStatus>("GET", "/status").then(render).catch(() => {}) };
  for (const p of panels) p.init(ctx);
  acts.attach(app);
  for (const b of app.querySelectorAll<HTMLButtonElement>("[role=tab]")) b.addEventListener("click", () => showView(b.dataset.view!, true));
  app.querySelector<HTMLSelectElement>("[data-testid=language]")!.addEventListener("change", (e) => {
    try {
      localStorage.setItem(LANG_KEY, (e.target as HTMLSelectElement).value);
    } catch {
      // No storage: the browser's language stays.
    }
    location.reload();
  });
  showView(location.hash.slice(1), false);
  window.addEventListener("hashchange", () => showView(location.hash.slice(1), false));
  document.addEventListener("keydown", shortcut);
  ctx.refresh();
  connectFeed(onMessage, onFeed);
}

/** Shows view `id` (the show's when there is no such view); `remember`: into the address (#obs). */
function showView(id: string, remember: boolean) {
  const v = views.find((x) => x.id === id) ?? views[0];
  for (const x of views) {
    const on = x === v;
    app.querySelector<HTMLElement>(`#view-${x.id}`)!.hidden = !on;
    const tab = app.querySelector<HTMLElement>(`#tab-${x.id}`)!;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  if (remember && location.hash !== `#${v.id}`) history.replaceState(null, "", v.id === views[0].id ? location.pathname : `#${v.id}`);
}

/** The show's controls from the keyboard (never while typing): G, P, S (which asks first), 1–5. */
function shortcut(e: KeyboardEvent) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  const el = e.target as HTMLElement | null;
  if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
  const press = (testid: string) => {
    const b = app.querySelector<HTMLButtonElement>(`[data-testid=${testid}]`);
    if (b && !b.disabled) b.click();
  };
  const k = e.key.toLowerCase();
  if (k === "g") press("go-live");
  else if (k === "p") press("pause");
  else if (k === "s") press("stop");
  else if (/^[1-9]$/.test(k) && views[Number(k) - 1]) showView(views[Number(k) - 1].id, true);
  else return;
  e.preventDefault();
}

/** The feed's status renders every panel; an event goes to the panels that fetch what it changed. */
function onMessage(m: FeedMessage, to: Panel[] = panels) {
  if (m.type === "status") return to.forEach((p) => p.render?.(m.status));
  for (const p of to) p.onEvent?.(m);
}

function onFeed(s: FeedState) {
  const el = app.querySelector("[data-testid=feed-state]");
  if (!el) return;
  if (s === "signed_out") return passwordPage(false, t("feed.signedOut"));
  el.className = `feed-state ${s}`;
  el.textContent = s === "open" ? "" : s === "connecting" ? t("feed.connecting") : s === "replaced" ? t("feed.replaced") : t("feed.disconnected");
}

boot().catch((e) => {
  app.innerHTML = `<p class="card">${esc(tf("app.unreachable", { error: String(e) }))}</p>`;
});
