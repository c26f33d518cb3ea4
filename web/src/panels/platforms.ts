// Linked platforms (Twitch, YouTube, Facebook), the title form and the unified chat.
import { api } from "../api";
import type { PlatformStatus } from "../api/PlatformStatus";
import type { Dispatcher } from "../dispatch";
import { eventText, insertAt, marks, type ChatMessage } from "../chat";
import { lang, t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import type { FeedMessage, Panel } from "./panel";

const LABEL: Record<string, string> = { twitch: "Twitch", youtube: "YouTube", facebook: "Facebook", tiktok: "TikTok", instagram: "Instagram" };
const APP_HELP: Record<string, string> = {
  twitch: "Client ID of your app from dev.twitch.tv/console (type: Public). Or only a channel name to read its chat.",
  youtube: "OAuth client of type “TVs and Limited Input devices” from console.cloud.google.com (YouTube Data API v3 enabled).",
  facebook: "App ID and Client Token (Settings → Advanced) of your app from developers.facebook.com with Login for Devices on.",
};

/** Per platform: whether a title or chat message went through. */
type Results = { results: Record<string, { ok: boolean; error?: string }> };

let root: HTMLElement;
const chatLines: { at_ms: number; el: HTMLElement }[] = [];
let chatSince = 0;

export function platformsHtml(): string {
  return `
    <section class="card platforms" data-testid="platforms-panel">
      <h2>${esc(t("platforms.title"))}</h2>
      <div class="platform-list" data-testid="platform-list"></div>
      <form class="title-form" data-testid="title-form">
        <input name="title" placeholder="${esc(t("platforms.titlePlaceholder"))}" maxlength="140" required data-testid="title-input" />
        <input name="category" placeholder="${esc(t("platforms.category"))}" maxlength="100" />
        <button class="small primary">${esc(t("platforms.setOnAll"))}</button>
      </form>
    </section>`;
}

/** The unified chat, on the show's view (its feed and form are run by `initPlatforms`). */
export function chatHtml(): string {
  return `
    <section class="card chat" data-testid="chat-panel">
      <h2>${esc(t("chat.title"))} <a class="small dim" href="/overlay/chat?bg=1" target="_blank">${esc(t("chat.overlayLink"))}</a> <button class="ghost small" data-act="overlay-obs" title="${esc(t("chat.overlayHint"))}">${esc(t("chat.overlayObs"))}</button>
        <a class="small dim" href="/overlay/alerts?bg=1" target="_blank">${esc(t("chat.alertsOverlay"))}</a> <button class="ghost small" data-act="alerts-obs" data-testid="alerts-overlay-obs" title="${esc(t("chat.alertsHint"))}">${esc(t("chat.alertsObs"))}</button></h2>
      <ol class="chat-list" data-testid="chat-list"></ol>
      <form class="invite" data-testid="chat-form"><input name="text" placeholder="${esc(t("chat.placeholder"))}" maxlength="200" required /><button class="small">${esc(t("chat.send"))}</button></form>
    </section>`;
}

export function initPlatforms(app: HTMLElement, acts: Dispatcher) {
  root = app;
  for (const a of ["link", "unlink", "key", "overlay-obs"]) acts.on(a, onAct);
  app.addEventListener("submit", onSubmit);
  loadPlatforms();
  loadChat();
}

/** Handles `platform` and `chat` events from the feed; true when it was one of those. */
export function onPlatformEvent(m: FeedMessage): boolean {
  if (m.type === "chat") {
    addChat(m);
    chatSince = Math.max(chatSince, m.seq);
    return true;
  }
  if (m.type === "platform") {
    renderPlatform(m);
    return true;
  }
  return false;
}

async function loadPlatforms() {
  const list = await api<PlatformStatus[]>("GET", "/platforms").catch(() => []);
  list.forEach(renderPlatform);
}

async function loadChat() {
  const r = await api<{ messages: ChatMessage[]; last: number }>("GET", `/chat?since=${chatSince}`).catch(() => null);
  if (!r) return;
  r.messages.forEach(addChat);
  chatSince = r.last;
}

function addChat(m: ChatMessage) {
  const ol = root.querySelector<HTMLElement>("[data-testid=chat-list]");
  if (!ol) return;
  const li = document.createElement("li");
  li.className = `chat-line ${m.platform} ${m.kind}`;
  li.dataset.testid = "chat-line";
  li.dataset.platform = m.platform;
  li.innerHTML = `<span class="mark">${esc(marks[m.platform] ?? m.platform)}</span><b>${esc(m.author)}</b>${m.amount ? ` <span class="amount">${esc(m.amount)}</span>` : ""} <span class="text">${esc(eventText(m))}</span>`;
  li.title = new Date(m.at_ms).toLocaleTimeString(lang());
  const i = insertAt(chatLines, m);
  const before = chatLines[i]?.el ?? null;
  ol.insertBefore(li, before);
  chatLines.splice(i, 0, { at_ms: m.at_ms, el: li });
  while (chatLines.length > 200) chatLines.shift()!.el.remove();
  if (ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80) ol.scrollTop = ol.scrollHeight;
}

function stateLine(p: PlatformStatus): string {
  if (!p.api) return `<span class="dim">${esc(p.note)}</span>`;
  if (p.linking) return `<span class="linking" data-testid="link-code">Open <a href="${esc(p.linking.verification_uri)}" target="_blank" rel="noreferrer">${esc(p.linking.verification_uri)}</a> on your phone and enter <code>${esc(p.linking.user_code)}</code></span>`;
  if (p.needs_relink) return `<span class="bad">${esc(p.error ?? "reconnect account")}</span>`;
  if (!p.linked) return `<span class="dim">${esc(t(p.configured ? "platforms.notLinked" : p.chat === "read-only" ? "platforms.chatReadOnly" : "platforms.notSetUp"))}</span>`;
  const bits = [`Linked as <b>${esc(p.account)}</b>`];
  if (p.live === true) bits.push(`<span class="badge live">LIVE</span> ${p.viewers ?? 0} viewers`);
  else if (p.live === false) bits.push("offline");
  if (p.followers != null) bits.push(`${p.followers} followers`);
  if (p.subscribers != null) bits.push(`${p.subscribers} subs`);
  if (p.reactions != null) bits.push(`${p.reactions} reactions`);
  if (p.error) bits.push(`<span class="bad">${esc(p.error)}</span>`);
  return bits.join(" · ");
}

function renderPlatform(p: PlatformStatus) {
  const list = root.querySelector<HTMLElement>("[data-testid=platform-list]");
  if (!list) return;
  let el = list.querySelector<HTMLElement>(`[data-platform="${p.platform}"]`);
  if (!el) {
    el = document.createElement("div");
    el.className = "platform-row";
    el.dataset.platform = p.platform;
    el.dataset.testid = "platform-row";
    list.append(el);
  }
  const help = APP_HELP[p.platform];
  el.innerHTML = `
    <div class="platform-head"><span class="mark ${esc(p.platform)}">${esc(marks[p.platform] ?? "•")}</span><b>${esc(LABEL[p.platform] ?? p.platform)}</b>
      <span class="platform-state" data-testid="platform-state">${stateLine(p)}</span></div>
    ${p.api ? `<div class="dest-actions">
      ${p.configured && !p.linking ? `<button class="small primary" data-act="link">${esc(t(p.linked && !p.needs_relink ? "platforms.relink" : p.needs_relink ? "platforms.reconnect" : "platforms.link"))}</button>` : ""}
      ${p.linked ? `<button class="ghost small" data-act="unlink">${esc(t("platforms.unlink"))}</button>` : ""}
      ${p.linked && p.platform !== "facebook" ? `<button class="small" data-act="key" title="${esc(t("platforms.useKeyHint"))}">${esc(t("platforms.useKey"))}</button>` : ""}
    </div>
    <details><summary>${esc(t("platforms.appSettings"))}</summary>
      <form class="app-form" data-pform="app">
        <p class="dim">${esc(help)}</p>
        <input name="client_id" placeholder="${p.platform === "facebook" ? "App ID" : "Client ID"}" autocomplete="off" />
        ${p.platform !== "twitch" ? `<input name="client_secret" type="password" placeholder="${p.platform === "facebook" ? "Client token" : "Client secret"}" autocomplete="off" />` : ""}
        ${p.platform === "twitch" ? `<input name="channel" placeholder="Channel to read chat from (optional)" />` : ""}
        <button class="small">${esc(t("common.save"))}</button>
      </form>
    </details>` : ""}`;
  el.dataset.live = String(p.live);
}

function onAct(b: HTMLElement) {
  const p = b.closest<HTMLElement>("[data-platform]")?.dataset.platform;
  const act = b.dataset.act;
  if (act === "link") run(() => api<{ user_code: string; verification_uri: string }>("POST", `/platforms/${p}/link`).then((dc) => toast(tf("platforms.enterCode", { code: dc.user_code, url: dc.verification_uri }))).then(loadPlatforms));
  if (act === "unlink" && confirm(tf("platforms.unlinkConfirm", { platform: LABEL[p!] ?? p! }))) run(() => api("DELETE", `/platforms/${p}`).then(loadPlatforms));
  if (act === "key") run(() => api<{ name: string }>("POST", `/platforms/${p}/stream-key`).then((d) => toast(tf("platforms.keyMade", { name: d.name }))));
  if (act === "overlay-obs")
    run(() =>
      api<{ current: string }>("GET", "/obs/scenes")
        .then((sc) => api("POST", "/obs/browser-source", { scene: sc.current, name: "onair chat", url: `${location.origin}/overlay/chat`, width: 600, height: 800 }))
        .then(() => toast(t("chat.overlayAdded"))),
    );
  if (act === "alerts-obs")
    run(() =>
      api<{ current: string }>("GET", "/obs/scenes")
        .then((sc) => api("POST", "/obs/browser-source", { scene: sc.current, name: "onair alerts", url: `${location.origin}/overlay/alerts`, width: 1280, height: 720 }))
        .then(() => toast(t("chat.alertsAdded"))),
    );
}

function onSubmit(e: Event) {
  const form = e.target as HTMLFormElement;
  const f = new FormData(form);
  if (form.dataset.pform === "app") {
    e.preventDefault();
    const p = form.closest<HTMLElement>("[data-platform]")!.dataset.platform;
    const body: Record<string, unknown> = { client_id: f.get("client_id") ?? "" };
    if (f.get("client_secret")) body.client_secret = f.get("client_secret");
    if (f.has("channel")) body.channel = f.get("channel");
    run(() => api("PUT", `/platforms/${p}/app`, body).then(() => toast(t("common.saved"))).then(loadPlatforms));
  } else if (form.dataset.testid === "title-form") {
    e.preventDefault();
    run(() =>
      api<Results>("POST", "/platforms/title", { title: f.get("title"), category: f.get("category") || undefined }).then((r) => {
        const bad = Object.entries(r.results).filter(([, v]) => !v.ok);
        if (bad.length) toast(bad.map(([k, v]) => `${LABEL[k]}: ${v.error}`).join("; "), "bad");
        else toast(t("platforms.titleSet"));
      }),
    );
  } else if (form.dataset.testid === "chat-form") {
    e.preventDefault();
    run(() =>
      api<Results>("POST", "/chat", { text: f.get("text") }).then((r) => {
        const bad = Object.entries(r.results).filter(([, v]) => !v.ok);
        if (bad.length) toast(bad.map(([k, v]) => `${LABEL[k]}: ${v.error}`).join("; "), "bad");
        form.reset();
      }),
    );
  }
}

/** The chat's card; `platformsPanel` runs it. */
export const chatPanel: Panel = { html: chatHtml, init: () => {} };

export const platformsPanel: Panel = {
  html: platformsHtml,
  init: (ctx) => initPlatforms(ctx.root, ctx.acts),
  onEvent: (m) => void onPlatformEvent(m),
};
