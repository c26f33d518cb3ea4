// Destination cards (state, bitrate sparkline, counters, actions) and the add-destination form.
import uPlot from "uplot";
import { api } from "../api";
import type { DestinationStatus } from "../api/DestinationStatus";
import type { Preset } from "../api/Preset";
import type { ShowStatus } from "../api/ShowStatus";
import { bytes, duration, kbps, pushSample, stateLabel } from "../format";
import { t, tf } from "../i18n";
import { setDestinations } from "./manage";
import { feedSelect } from "./feed";
import { pictureLabel } from "./picture";
import { esc, run, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;
let presets: Preset[] = [];
const cards = new Map<number, { el: HTMLElement; plot: uPlot; series: number[] }>();

function fillUrl() {
  const form = $<HTMLFormElement>(root, "[data-testid=add-destination]")!;
  const platform = (form.elements.namedItem("platform") as HTMLSelectElement).value;
  const url = form.elements.namedItem("url") as HTMLInputElement;
  const p = presets.find((x) => x.platform === platform);
  url.value = p?.url ?? "";
  url.placeholder = p?.url ? "" : t("dest.urlPlaceholder");
  const hint = $(root, "[data-testid=preset-hint]");
  if (hint) hint.textContent = p ? presetHint(p) : "";
}

const CODEC_NAMES: Record<string, string> = { h264: "H.264", hevc: "HEVC", av1: "AV1", vp9: "VP9" };

/** What the form says under the platform: the codecs it takes, and a warning for one-stream keys. */
export function presetHint(p: Preset): string {
  const codecs = p.video_codecs.map((c) => CODEC_NAMES[c] ?? c).join(" / ");
  const takes = p.platform === "custom" ? "" : tf("dest.takes", { platform: p.label, codecs });
  return [takes, p.single_use_key ? t("dest.singleUseKey") : ""].filter(Boolean).join(" · ");
}

/** The counters line of a card (pure: unit-tested). */
export function statsHtml(d: DestinationStatus): string {
  const confirmed = d.confirmed_by === "platform";
  return `
      <span data-testid="dest-kbps">${kbps(d.kbps)}</span>
      <span>${esc(tf("dest.up", { t: duration(d.uptime_s) }))}</span>
      <span>${esc(tf(d.reconnects === 1 ? "dest.reconnect" : "dest.reconnects", { n: String(d.reconnects) }))}</span>
      <span>${bytes(d.bytes_sent)}</span>
      ${d.output || d.transcoding ? `<span data-testid="dest-picture">${esc(pictureLabel(d.output, d.transcoding))}</span>` : ""}
      ${d.feed === "second" ? `<span data-testid="dest-feed">${esc(t("dest.secondFeed"))}</span>` : ""}
      ${d.delay_s > 0 ? `<span data-testid="dest-delay">${esc(tf("dest.delayed", { n: String(d.delay_s) }))}</span>` : ""}
      ${d.viewers != null ? `<span data-testid="dest-viewers">${esc(tf("dest.viewers", { n: String(d.viewers) }))}</span>` : ""}
      <span class="confirm" title="${esc(t(confirmed ? "dest.confirmedPlatformHint" : "dest.confirmedBoxHint"))}">${esc(confirmed ? tf(d.platform_live ? "dest.seenLive" : "dest.reportsOffline", { platform: d.platform }) : t("dest.boxOnly"))}</span>`;
}

/** What the card says is wrong (pure: unit-tested): the last error, or a key that works only once. */
export function destError(d: DestinationStatus): string {
  if (d.last_error && d.state !== "live") return d.last_error;
  return d.fresh_key_needed ? t("dest.freshKey") : "";
}

function card(d: DestinationStatus) {
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
          <button class="small" data-act="dstart">${esc(t("dest.start"))}</button>
          <button class="small" data-act="dstop">${esc(t("dest.stop"))}</button>
          <button class="ghost small" data-act="dedit">${esc(t("dest.edit"))}</button>
          <button class="ghost small" data-act="ddelete">${esc(t("dest.remove"))}</button>
        </div>
        <div class="edit-slot"></div>`;
  const plot = new uPlot(
    { width: 260, height: 48, legend: { show: false }, cursor: { show: false }, axes: [{ show: false }, { show: false }], scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 1000)] } }, series: [{}, { stroke: "#3ddc84", fill: "rgba(61,220,132,.15)", width: 2, points: { show: false } }] },
    [[], []],
    el.querySelector<HTMLElement>(".spark")!,
  );
  return { el, plot, series: [] as number[] };
}

export function renderDests(box: HTMLElement, dests: DestinationStatus[]) {
  const seen = new Set<number>();
  for (const d of dests) {
    seen.add(d.id);
    let c = cards.get(d.id);
    if (!c) {
      c = card(d);
      box.append(c.el);
      cards.set(d.id, c);
    }
    c.series = pushSample(c.series, d.kbps);
    c.plot.setData([c.series.map((_, i) => i), c.series]);
    c.el.querySelector(".platform")!.textContent = d.platform;
    c.el.querySelector("h3")!.textContent = d.name;
    const badge = c.el.querySelector<HTMLElement>(".badge")!;
    badge.textContent = stateLabel(d.state);
    badge.className = `badge ${d.state}`;
    badge.dataset.state = d.state;
    c.el.querySelector(".dest-stats")!.innerHTML = statsHtml(d);
    c.el.classList.toggle("platform-offline", d.state === "live" && d.platform_live === false);
    c.el.querySelector(".dest-error")!.textContent = destError(d);
  }
  for (const [id, c] of cards) {
    if (!seen.has(id)) {
      c.plot.destroy();
      c.el.remove();
      cards.delete(id);
    }
  }
  if (!dests.length && !box.querySelector(".empty")) box.innerHTML = `<p class="empty card">${esc(t("dest.none"))}</p>`;
  if (dests.length) box.querySelector(".empty")?.remove();
}

export const destinationsPanel: Panel = {
  html: () => `<section class="dests" data-testid="destinations"></section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    const id = (b: HTMLElement) => b.closest<HTMLElement>("[data-id]")?.dataset.id;
    ctx.acts
      .on("dstart", (b) => run(() => api("POST", `/destinations/${id(b)}/start`).then(ctx.refresh)))
      .on("dstop", (b) => run(() => api("POST", `/destinations/${id(b)}/stop`).then(ctx.refresh)))
      .on("ddelete", (b) => {
        if (confirm(t("dest.removeConfirm"))) run(() => api("DELETE", `/destinations/${id(b)}`).then(ctx.refresh));
      });
  },
  render(s: ShowStatus) {
    const box = $(root, "[data-testid=destinations]");
    if (!box) return;
    renderDests(box, s.destinations);
    setDestinations(s.destinations);
  },
};

export const addDestinationPanel: Panel = {
  html: () => `
      <section class="card add">
        <h2>${esc(t("dest.addTitle"))}</h2>
        <form data-testid="add-destination">
          <select name="platform" data-testid="platform" aria-label="${esc(t("dest.platform"))}"></select>
          <small data-testid="preset-hint"></small>
          <input name="name" placeholder="${esc(t("dest.name"))}" aria-label="${esc(t("dest.name"))}" required maxlength="100" data-testid="dest-name" />
          <input name="url" placeholder="${esc(t("dest.url"))}" aria-label="${esc(t("dest.url"))}" data-testid="dest-url" />
          <input name="stream_key" type="password" placeholder="${esc(t("dest.key"))}" aria-label="${esc(t("dest.key"))}" autocomplete="off" data-testid="dest-key" />
          ${feedSelect("main")}
          <button class="primary" data-testid="add">${esc(t("dest.add"))}</button>
        </form>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    const form = $<HTMLFormElement>(root, "[data-testid=add-destination]")!;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const f = new FormData(form);
      run(async () => {
        await api("POST", "/destinations", { name: f.get("name"), platform: f.get("platform"), url: f.get("url") || undefined, stream_key: f.get("stream_key") || "", enabled: true, feed: f.get("feed") || "main" });
        form.reset();
        fillUrl();
        ctx.refresh();
      });
    });
    const sel = form.querySelector("select")!;
    sel.addEventListener("change", fillUrl);
    api<Preset[]>("GET", "/destinations/presets")
      .then((p) => {
        presets = p;
        sel.innerHTML = p.map((x) => `<option value="${esc(x.platform)}">${esc(x.label)}</option>`).join("");
        fillUrl();
      })
      .catch(() => {});
  },
  onEvent(m) {
    if (m.type === "destination_updated" && m.output !== "unchanged") toast(tf(`destinations.${m.output as "restarted" | "started" | "stopped"}`, { id: String(m.id) }));
  },
};
