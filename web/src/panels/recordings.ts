// Recordings on the box: record now / stop, the list (length, size, why it ended) with download and
// delete, and the settings (record every show, folder, retention).
import { api } from "../api";
import type { Recording } from "../api/Recording";
import type { RecordingSettings } from "../api/RecordingSettings";
import type { ShowStatus } from "../api/ShowStatus";
import { bytes, duration } from "../format";
import { lang, t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import { $, type Panel } from "./panel";

let root: HTMLElement;

/** One row of the list (pure: unit-tested). */
export function recordingRow(r: Recording): string {
  const ended = r.end_reason ? (r.end_reason === "stopped" || r.end_reason === "show_ended" ? "" : ` · ${esc(t(`recordings.end.${r.end_reason}` as "recordings.end.error"))}`) : ` · ${esc(t("recordings.running"))}`;
  return `<li data-testid="recording-row" data-rec="${r.id}">
    <span>${r.feed === "second" ? `<b data-testid="recording-feed">${esc(t("dest.secondFeed"))}</b> · ` : ""}${esc(new Date(r.started_at).toLocaleString(lang()))} · ${duration(Math.round(r.duration_s))} · ${bytes(r.bytes)}${ended}</span>
    <span class="dest-actions">${
      r.end_reason
        ? `<a class="button small" href="/api/v1/recordings/${r.id}/file" download data-testid="recording-download">${esc(t("recordings.download"))}</a>
      <button class="ghost small" data-act="recdelete">${esc(t("recordings.delete"))}</button>`
        : ""
    }</span>
  </li>`;
}

export function recordingsHtml(): string {
  return `
    <section class="card recordings" data-testid="recordings-panel">
      <h2>${esc(t("recordings.title"))} <button class="small" data-act="recstart" data-testid="record-start">${esc(t("recordings.start"))}</button>
        <button class="small" data-act="recstop" data-testid="record-stop" hidden>${esc(t("recordings.stop"))}</button></h2>
      <p class="dim" data-testid="recording-now"></p>
      <ol class="show-list" data-testid="recording-list"></ol>
      <details><summary>${esc(t("recordings.settings"))}</summary>
        <form class="app-form" data-testid="recording-settings">
          <label class="switch"><input type="checkbox" name="enabled" /> ${esc(t("recordings.everyShow"))}</label>
          <label>${esc(t("recordings.path"))} <input name="path" placeholder="${esc(t("recordings.pathDefault"))}" /></label>
          <label>${esc(t("recordings.retention"))} <input name="retention_days" type="number" min="0" max="3650" /></label>
          <label class="switch"><input type="checkbox" name="second" data-testid="record-second" /> ${esc(t("recordings.second"))}</label>
          <button class="small">${esc(t("common.save"))}</button>
        </form></details>
    </section>`;
}

async function load() {
  const list = await api<Recording[]>("GET", "/recordings").catch(() => []);
  const ol = $(root, "[data-testid=recording-list]");
  if (ol) ol.innerHTML = list.map(recordingRow).join("") || `<li class="dim">${esc(t("recordings.none"))}</li>`;
}

async function loadSettings() {
  const s = await api<RecordingSettings>("GET", "/recording/settings");
  const f = $<HTMLFormElement>(root, "[data-testid=recording-settings]");
  if (!f) return;
  (f.elements.namedItem("enabled") as HTMLInputElement).checked = s.enabled;
  (f.elements.namedItem("path") as HTMLInputElement).value = s.path ?? "";
  (f.elements.namedItem("retention_days") as HTMLInputElement).value = String(s.retention_days);
  (f.elements.namedItem("second") as HTMLInputElement).checked = s.feeds.includes("second");
}

export const recordingsPanel: Panel = {
  html: recordingsHtml,
  init(ctx) {
    root = ctx.root;
    ctx.acts
      .on("recstart", () => run(() => api("POST", "/recording/start").then(() => toast(t("recordings.started")))))
      .on("recstop", () => run(() => api("POST", "/recording/stop").then(load)))
      .on("recdelete", (b) => {
        const id = b.closest<HTMLElement>("[data-rec]")?.dataset.rec;
        if (id && confirm(t("recordings.deleteConfirm"))) run(() => api("DELETE", `/recordings/${id}`).then(load));
      });
    root.addEventListener("submit", (e) => {
      const form = e.target as HTMLFormElement;
      if (form.dataset.testid !== "recording-settings") return;
      e.preventDefault();
      const f = new FormData(form);
      const cur = { enabled: f.get("enabled") === "on", path: String(f.get("path") ?? "").trim() || null, retention_days: Number(f.get("retention_days") || 0), feeds: f.get("second") === "on" ? ["main", "second"] : ["main"] };
      run(() => api<RecordingSettings>("GET", "/recording/settings").then((s) => api("PUT", "/recording/settings", { ...s, ...cur })).then(() => toast(t("common.saved"))));
    });
    load();
    loadSettings().catch(() => {});
  },
  render(s: ShowStatus) {
    const on = s.recording !== null;
    $(root, "[data-testid=record-start]")?.toggleAttribute("hidden", on);
    $(root, "[data-testid=record-stop]")?.toggleAttribute("hidden", !on);
    const now = $(root, "[data-testid=recording-now]");
    if (now) now.textContent = s.recording ? tf("recordings.now", { t: duration(Math.round(s.recording.duration_s)), size: bytes(s.recording.bytes) }) : "";
  },
  onEvent: (m) => {
    if (m.type === "recording") load();
  },
};
