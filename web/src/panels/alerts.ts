// Alerts: the recent list (refetched on an alert event) and its thresholds.
import { api } from "../api";
import { lang, t } from "../i18n";
import { alertSettingsHtml } from "./manage";
import { esc, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;

async function loadAlerts() {
  const list = await api<{ at: number; level: string; message: string }[]>("GET", "/alerts").catch(() => []);
  const ol = $(root, "[data-testid=alert-list]");
  if (ol) ol.innerHTML = list.slice(0, 15).map((a) => `<li class="${esc(a.level)}"><time>${new Date(a.at * 1000).toLocaleTimeString(lang())}</time> ${esc(a.message)}</li>`).join("") || `<li class="dim">${esc(t("alerts.none"))}</li>`;
}

export const alertsPanel: Panel = {
  html: () => `
      <section class="card alerts" data-testid="alerts-panel">
        <h2>${esc(t("alerts.title"))}</h2>
        <ol class="alert-list" data-testid="alert-list"></ol>
        ${alertSettingsHtml()}
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    loadAlerts();
  },
  onEvent(m) {
    if (m.type === "alert") {
      toast(m.message, m.level === "error" ? "bad" : "info");
      loadAlerts();
    }
    if (m.type === "ingest_refused") toast(`${t("alerts.refused")}: ${m.reason}`, "bad");
  },
};
