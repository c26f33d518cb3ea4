// Show history: the list of past shows and, for one, its destinations' totals and a bitrate/viewers chart.
import uPlot from "uplot";
import { api } from "../api";
import type { Dispatcher } from "../dispatch";
import { bytes, duration, kbps } from "../format";
import { lang, t, tf } from "../i18n";
import { esc, run } from "../ui";
import type { Panel } from "./panel";

type ShowDest = { name: string; platform: string; bytes: number; avg_kbps: number; live_s: number; reconnects: number; peak_viewers: number | null };
type ShowRow = { id: number; started_at: number; ended_at: number | null; duration_s: number | null; bytes: number; end_reason: string | null; destinations: ShowDest[] };
type Sample = { t_s: number; ingest_kbps: number; out_kbps: number; viewers: number };

let root: HTMLElement;
let chart: uPlot | null = null;

export function historyHtml(): string {
  return `
    <section class="card history" data-testid="history-panel">
      <h2>${esc(t("history.title"))} <button class="ghost small" data-act="hreload">${esc(t("history.refresh"))}</button></h2>
      <ol class="show-list" data-testid="show-list"></ol>
      <div class="show-detail" data-testid="show-detail"></div>
    </section>`;
}

export function initHistory(app: HTMLElement, acts: Dispatcher) {
  root = app;
  acts.on("hreload", () => run(loadHistory)).on("show", (b) => run(() => showDetail(Number(b.dataset.show))));
  loadHistory();
}

export async function loadHistory() {
  const shows = await api<ShowRow[]>("GET", "/shows").catch(() => []);
  const ol = root.querySelector<HTMLElement>("[data-testid=show-list]");
  if (!ol) return;
  ol.innerHTML =
    shows
      .slice(0, 20)
      .map(
        (s) => `<li><button class="ghost small show-row" data-act="show" data-show="${s.id}" data-testid="show-row">
          ${esc(new Date(s.started_at * 1000).toLocaleString(lang()))} · ${duration(s.duration_s)} · ${esc(tf("history.dests", { n: String(s.destinations.length) }))} · ${bytes(s.bytes)}${s.ended_at ? "" : ` · ${esc(t("history.live"))}`}${s.end_reason && s.end_reason !== "stopped" ? ` · ${esc(s.end_reason)}` : ""}
        </button></li>`,
      )
      .join("") || `<li class="dim">${esc(t("history.none"))}</li>`;
}

async function showDetail(id: number) {
  const s = await api<ShowRow & { samples: Sample[] }>("GET", `/shows/${id}`);
  const box = root.querySelector<HTMLElement>("[data-testid=show-detail]")!;
  box.innerHTML = `
    <table class="show-table"><thead><tr>${(["history.destination", "history.sent", "history.avg", "history.liveFor", "history.reconnects", "history.peak"] as const).map((h) => `<th>${esc(t(h))}</th>`).join("")}</tr></thead>
    <tbody>${s.destinations
      .map(
        (d) => `<tr data-testid="show-dest"><td>${esc(d.name)} <span class="dim">${esc(d.platform)}</span></td><td>${bytes(d.bytes)}</td><td>${kbps(d.avg_kbps)}</td><td>${duration(d.live_s)}</td><td>${d.reconnects}</td><td>${d.peak_viewers ?? "—"}</td></tr>`,
      )
      .join("")}</tbody></table>
    <div class="show-chart" data-testid="show-chart"></div>`;
  chart?.destroy();
  const times = s.samples.map((x) => s.started_at + x.t_s);
  chart = new uPlot(
    {
      width: Math.min(560, box.clientWidth || 320),
      height: 160,
      series: [
        {},
        { label: t("history.feedKbps"), stroke: "#58a6ff", width: 2, scale: "kbps" },
        { label: t("history.outKbps"), stroke: "#3ddc84", width: 2, scale: "kbps" },
        { label: t("history.viewers"), stroke: "#f0b429", width: 2, scale: "viewers" },
      ],
      axes: [{ stroke: "#8b949e" }, { scale: "kbps", stroke: "#8b949e" }, { scale: "viewers", side: 1, stroke: "#8b949e", grid: { show: false } }],
    },
    [times, s.samples.map((x) => x.ingest_kbps), s.samples.map((x) => x.out_kbps), s.samples.map((x) => x.viewers)],
    box.querySelector<HTMLElement>("[data-testid=show-chart]")!,
  );
}

export const historyPanel: Panel = {
  html: historyHtml,
  init: (ctx) => initHistory(ctx.root, ctx.acts),
  // A show started or ended: the list changed (nothing else on the feed changes it).
  onEvent: (m) => {
    if (m.type === "show") loadHistory();
  },
};
