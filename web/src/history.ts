// Show history: the list of past shows and, for one, its destinations' totals and a bitrate/viewers chart.
import uPlot from "uplot";
import { api } from "./api";
import { bytes, duration, kbps } from "./format";
import { esc, run } from "./ui";

let root: HTMLElement;
let chart: uPlot | null = null;

export function historyHtml(): string {
  return `
    <section class="card history" data-testid="history-panel">
      <h2>History <button class="ghost small" data-hact="reload">Refresh</button></h2>
      <ol class="show-list" data-testid="show-list"></ol>
      <div class="show-detail" data-testid="show-detail"></div>
    </section>`;
}

export function initHistory(app: HTMLElement) {
  root = app;
  app.addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>("[data-hact],[data-show]");
    if (!b) return;
    if (b.dataset.hact === "reload") run(loadHistory);
    if (b.dataset.show) run(() => showDetail(Number(b.dataset.show)));
  });
  loadHistory();
}

export async function loadHistory() {
  const shows = await api<any[]>("GET", "/shows").catch(() => []);
  const ol = root.querySelector<HTMLElement>("[data-testid=show-list]");
  if (!ol) return;
  ol.innerHTML =
    shows
      .slice(0, 20)
      .map(
        (s) => `<li><button class="ghost small show-row" data-show="${s.id}" data-testid="show-row">
          ${esc(new Date(s.started_at * 1000).toLocaleString())} · ${duration(s.duration_s)} · ${s.destinations.length} dest. · ${bytes(s.bytes)}${s.ended_at ? "" : " · live"}${s.end_reason && s.end_reason !== "stopped" ? ` · ${esc(s.end_reason)}` : ""}
        </button></li>`,
      )
      .join("") || `<li class="dim">No shows yet.</li>`;
}

async function showDetail(id: number) {
  const s = await api("GET", `/shows/${id}`);
  const box = root.querySelector<HTMLElement>("[data-testid=show-detail]")!;
  box.innerHTML = `
    <table class="show-table"><thead><tr><th>Destination</th><th>Sent</th><th>Avg</th><th>Live</th><th>Reconnects</th><th>Peak viewers</th></tr></thead>
    <tbody>${s.destinations
      .map(
        (d: any) => `<tr data-testid="show-dest"><td>${esc(d.name)} <span class="dim">${esc(d.platform)}</span></td><td>${bytes(d.bytes)}</td><td>${kbps(d.avg_kbps)}</td><td>${duration(d.live_s)}</td><td>${d.reconnects}</td><td>${d.peak_viewers ?? "—"}</td></tr>`,
      )
      .join("")}</tbody></table>
    <div class="show-chart" data-testid="show-chart"></div>`;
  chart?.destroy();
  const t = s.samples.map((x: any) => s.started_at + x.t_s);
  chart = new uPlot(
    {
      width: Math.min(560, box.clientWidth || 320),
      height: 160,
      series: [
        {},
        { label: "Feed kb/s", stroke: "#58a6ff", width: 2, scale: "kbps" },
        { label: "Out kb/s", stroke: "#3ddc84", width: 2, scale: "kbps" },
        { label: "Viewers", stroke: "#f0b429", width: 2, scale: "viewers" },
      ],
      axes: [{ stroke: "#8b949e" }, { scale: "kbps", stroke: "#8b949e" }, { scale: "viewers", side: 1, stroke: "#8b949e", grid: { show: false } }],
    },
    [t, s.samples.map((x: any) => x.ingest_kbps), s.samples.map((x: any) => x.out_kbps), s.samples.map((x: any) => x.viewers)],
    box.querySelector<HTMLElement>("[data-testid=show-chart]")!,
  );
}
