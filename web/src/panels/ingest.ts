// The program feed: what comes in, its bitrate, the drops, and the server and key to give OBS.
import uPlot from "uplot";
import { api } from "../api";
import type { ShowStatus } from "../api/ShowStatus";
import { kbps, maskKey, pushSample } from "../format";
import { t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;
type Keys = { rtmp_url: string; key: string };
let ingest: Keys & { second: Keys } = { rtmp_url: "", key: "", second: { rtmp_url: "", key: "" } };
let plot: uPlot | null = null;
let series: number[] = [];

async function loadIngest() {
  ingest = await api("GET", "/ingest");
  $(root, "[data-field=rtmp_url]")!.textContent = ingest.rtmp_url;
  $(root, "[data-field=key]")!.textContent = maskKey(ingest.key);
  $(root, "[data-field=second_key]")!.textContent = maskKey(ingest.second.key);
}

/** The second feed's state line and details (pure: unit-tested). */
export function secondView(s: ShowStatus): { on: boolean; state: string; info: string } {
  const f = s.second;
  const i = f.ingest;
  const state = i.connected ? tf("ingest.connected", { proto: String(i.proto).toUpperCase() }) : t("ingest.noFeed");
  const v = i.video;
  const users = s.destinations.filter((d) => d.feed === "second").length;
  const info = `${i.connected ? `<dt>${esc(t("ingest.video"))}</dt><dd>${esc(v.codec)} ${v.width}×${v.height} · ${v.fps.toFixed(1)} fps · ${kbps(v.kbps + i.audio.kbps)}</dd>` : ""}
       <dt>${esc(t("ingest.onAir"))}</dt><dd>${esc(f.on_air)}</dd>
       <dt>${esc(t("ingest.secondUsers"))}</dt><dd data-testid="second-users">${users}</dd>`;
  return { on: i.connected, state, info };
}

/** The feed's state line and details (pure: unit-tested). */
export function ingestView(s: ShowStatus): { on: boolean; state: string; info: string; drops: string; totalKbps: number } {
  const i = s.ingest;
  const on = i.connected || i.proto === "test-signal";
  const state = i.connected ? tf("ingest.connected", { proto: String(i.proto).toUpperCase() }) : i.proto === "test-signal" ? t("ingest.testSignal") : t("ingest.noFeed");
  const v = i.video;
  const a = i.audio;
  const info = on
    ? `<dt>${esc(t("ingest.video"))}</dt><dd>${esc(v.codec)} ${v.width}×${v.height} · ${v.fps.toFixed(1)} fps · ${kbps(v.kbps)}</dd>
       <dt>${esc(t("ingest.audio"))}</dt><dd>${esc(a.codec)} ${a.sample_rate} Hz · ${a.channels} ch · ${kbps(a.kbps)}</dd>
       <dt>${esc(t("ingest.onAir"))}</dt><dd>${esc(s.on_air)}</dd>`
    : `<dt>${esc(t("ingest.pointObs"))}</dt><dd>${esc(t("ingest.pointObsHow"))}</dd>`;
  const outDrops = s.destinations.reduce((n, d) => n + d.dropped_frames, 0);
  const o = s.obs;
  const drops = (o.connected ? tf("ingest.obsDropped", { n: String(o.dropped_frames), of: String(o.total_frames) }) + " · " : "") + tf("ingest.outDropped", { n: String(outDrops) });
  return { on, state, info, drops, totalKbps: on ? v.kbps + a.kbps : 0 };
}

export const ingestPanel: Panel = {
  html: () => `
      <section class="card ingest" data-testid="ingest-card">
        <h2>${esc(t("ingest.title"))}</h2>
        <div class="ingest-state"></div>
        <dl class="ingest-info"></dl>
        <div class="ingest-chart" data-testid="ingest-chart"></div>
        <div class="dim ingest-drops" data-testid="ingest-drops"></div>
        <div class="ingest-url">
          <label>${esc(t("ingest.server"))} <code data-field="rtmp_url"></code> <button class="ghost small" data-act="copy" data-copy="rtmp_url">${esc(t("common.copy"))}</button></label>
          <label>${esc(t("ingest.key"))} <code data-field="key"></code> <button class="ghost small" data-act="copy" data-copy="key">${esc(t("common.copy"))}</button> <button class="ghost small" data-act="rotate">${esc(t("ingest.rotate"))}</button></label>
        </div>
        <div class="ingest-second" data-testid="second-feed">
          <h3>${esc(t("ingest.secondTitle"))}</h3>
          <div class="dim">${esc(t("ingest.secondHow"))}</div>
          <div class="ingest-state second-state"></div>
          <dl class="ingest-info second-info"></dl>
          <label>${esc(t("ingest.key"))} <code data-field="second_key"></code> <button class="ghost small" data-act="copy" data-copy="second_key">${esc(t("common.copy"))}</button> <button class="ghost small" data-act="rotate2">${esc(t("ingest.rotate"))}</button></label>
        </div>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    ctx.acts
      .on("copy", (b) => {
        const which = b.dataset.copy;
        navigator.clipboard?.writeText((which === "second_key" ? ingest.second.key : ingest[which as "rtmp_url" | "key"]) ?? "");
        toast(t("common.copied"));
      })
      .on("rotate", () => {
        if (confirm(t("ingest.rotateConfirm"))) run(() => api("POST", "/ingest/rotate-key").then(loadIngest));
      })
      .on("rotate2", () => {
        if (confirm(t("ingest.rotateConfirm"))) run(() => api("POST", "/ingest/second/rotate-key").then(loadIngest));
      });
    loadIngest().catch(() => {});
    plot = new uPlot(
      { width: 300, height: 70, legend: { show: false }, cursor: { show: false }, axes: [{ show: false }, { stroke: "#8b949e", size: 40, values: (_u, v) => v.map((x) => (x >= 1000 ? `${x / 1000}M` : `${x}k`)) }], scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 1000)] } }, series: [{}, { stroke: "#58a6ff", fill: "rgba(88,166,255,.15)", width: 2, points: { show: false } }] },
      [[], []],
      $<HTMLElement>(root, "[data-testid=ingest-chart]")!,
    );
  },
  render(s: ShowStatus) {
    const st = $(root, ".ingest-state");
    if (!st) return;
    const v = ingestView(s);
    st.className = `ingest-state ${v.on ? "on" : "off"}`;
    st.textContent = v.state;
    $(root, ".ingest-info")!.innerHTML = v.info;
    series = pushSample(series, v.totalKbps);
    plot?.setData([series.map((_, i) => i), series]);
    $(root, "[data-testid=ingest-drops]")!.textContent = v.drops;
    const sv = secondView(s);
    const st2 = $(root, ".second-state")!;
    st2.className = `ingest-state second-state ${sv.on ? "on" : "off"}`;
    st2.textContent = sv.state;
    $(root, ".second-info")!.innerHTML = sv.info;
  },
};
