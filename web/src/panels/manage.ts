// Managing the box's set-up: editing a destination, profiles, and the alert thresholds.
import { api } from "../api";
import type { Destination } from "../api/Destination";
import type { Output } from "../api/Output";
import type { Dispatcher } from "../dispatch";
import { t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import type { Panel } from "./panel";
import { feedSelect } from "./feed";
import { outputFromForm, pictureFields, wireCropViews } from "./picture";

let root: HTMLElement;
let onChange: () => void;
/** The `output` of each destination whose edit form is open, as the box last said. */
const editing = new Map<string, Output | null>();

export function manageHtml(): string {
  return `
    <section class="card profiles" data-testid="profiles-panel">
      <h2>${esc(t("profiles.title"))}</h2>
      <ul class="profile-list" data-testid="profile-list"></ul>
      <form class="invite" data-testid="profile-form"><input name="name" placeholder="${esc(t("profiles.newPlaceholder"))}" maxlength="100" required /><button class="small">${esc(t("common.create"))}</button></form>
      <p class="dim small-note">${esc(t("profiles.hint"))}</p>
    </section>`;
}

export function alertSettingsHtml(): string {
  return `<details><summary>${esc(t("alerts.settings"))}</summary>
    <form class="app-form" data-testid="alert-settings">
      <label>${esc(t("alerts.floor"))} <input name="bitrate_floor_kbps" type="number" min="0" max="200000" /></label>
      <label>${esc(t("alerts.lowDisk"))} <input name="low_disk_mb" type="number" min="0" /></label>
      <button class="small">${esc(t("common.save"))}</button>
    </form></details>`;
}

export function initManage(app: HTMLElement, acts: Dispatcher, changed: () => void) {
  root = app;
  onChange = changed;
  for (const a of ["pactivate", "pdeactivate", "pdelete", "pdest", "dedit", "dcancel"]) acts.on(a, onAct);
  app.addEventListener("submit", onSubmit);
  app.addEventListener("change", onCropMoved);
  wireCropViews(app);
  loadProfiles();
  api<{ bitrate_floor_kbps: number; low_disk_mb: number }>("GET", "/settings")
    .then((s) => {
      const f = root.querySelector<HTMLFormElement>("[data-testid=alert-settings]");
      if (!f) return;
      (f.elements.namedItem("bitrate_floor_kbps") as HTMLInputElement).value = String(s.bitrate_floor_kbps);
      (f.elements.namedItem("low_disk_mb") as HTMLInputElement).value = String(s.low_disk_mb);
    })
    .catch(() => {});
}

let dests: { id: number; name: string }[] = [];
export function setDestinations(list: { id: number; name: string }[]) {
  const changed = list.map((d) => `${d.id}:${d.name}`).join() !== dests.map((d) => `${d.id}:${d.name}`).join();
  dests = list;
  if (changed) loadProfiles();
}

async function loadProfiles() {
  const ps = await api<{ id: number; name: string; active: boolean; destination_ids: number[] }[]>("GET", "/profiles").catch(() => []);
  const ul = root.querySelector<HTMLElement>("[data-testid=profile-list]");
  if (!ul) return;
  ul.innerHTML =
    ps
      .map(
        (p) => `<li class="profile ${p.active ? "active" : ""}" data-profile="${p.id}" data-testid="profile-row">
        <div class="platform-head"><b>${esc(p.name)}</b>${p.active ? ` <span class="badge live">${esc(t("profiles.active"))}</span>` : ""}
          <span class="dest-actions">${p.active ? `<button class="small" data-act="pdeactivate">${esc(t("profiles.deactivate"))}</button>` : `<button class="small primary" data-act="pactivate">${esc(t("profiles.activate"))}</button>`}
          <button class="ghost small" data-act="pdelete">${esc(t("profiles.delete"))}</button></span></div>
        <div class="profile-dests">${dests
          .map((d) => `<label><input type="checkbox" data-act="pdest" data-dest="${d.id}" ${p.destination_ids.includes(d.id) ? "checked" : ""}/> ${esc(d.name)}</label>`)
          .join("")}</div>
      </li>`,
      )
      .join("") || `<li class="dim">${esc(t("profiles.none"))}</li>`;
}

/** The edit form inside a destination card. */
export function editForm(d: Destination): string {
  return `<form class="edit-form" data-testid="edit-destination">
    <input name="name" value="${esc(d.name)}" maxlength="100" required placeholder="${esc(t("dest.name"))}" />
    <input name="url" value="${esc(d.url ?? "")}" placeholder="${esc(t("dest.url"))}" />
    <input name="stream_key" type="password" autocomplete="off" placeholder="${esc(d.stream_key_set ? tf("dest.keySet", { hint: d.stream_key_hint ?? "…" }) : t("dest.key"))}" />
    <label class="switch"><input type="checkbox" name="enabled" ${d.enabled ? "checked" : ""}/> ${esc(t("dest.enabled"))}</label>
    <label title="${esc(t("dest.delayHint"))}">${esc(t("dest.delay"))} <input name="delay_s" type="number" min="0" max="180" step="1" value="${d.delay_s}" data-testid="delay-s" /></label>
    ${feedSelect(d.feed)}
    ${pictureFields(d.output, d.transcode_fallback, d.feed)}
    <div class="dest-actions"><button class="small primary">${esc(t("common.save"))}</button><button type="button" class="ghost small" data-act="dcancel">${esc(t("common.cancel"))}</button></div>
  </form>`;
}

function onAct(b: HTMLElement) {
  const act = b.dataset.act;
  const pid = b.closest<HTMLElement>("[data-profile]")?.dataset.profile;
  const card = b.closest<HTMLElement>("[data-id]");
  if (act === "pactivate") run(() => api("POST", `/profiles/${pid}/activate`).then(loadProfiles).then(() => toast(t("profiles.activated"))));
  if (act === "pdeactivate") run(() => api("POST", "/profiles/deactivate").then(loadProfiles));
  if (act === "pdelete" && confirm(t("profiles.deleteConfirm"))) run(() => api("DELETE", `/profiles/${pid}`).then(loadProfiles));
  if (act === "pdest") {
    const ids = [...b.closest("[data-profile]")!.querySelectorAll<HTMLInputElement>("input[data-dest]")].filter((i) => i.checked).map((i) => Number(i.dataset.dest));
    run(() => api("PATCH", `/profiles/${pid}`, { destination_ids: ids }));
  }
  if (act === "dedit" && card) {
    run(async () => {
      const d = await api<Destination>("GET", `/destinations/${card.dataset.id}`);
      editing.set(String(d.id), d.output);
      const slot = card.querySelector<HTMLElement>(".edit-slot")!;
      slot.innerHTML = editForm(d);
    });
  }
  if (act === "dcancel" && card) card.querySelector<HTMLElement>(".edit-slot")!.innerHTML = "";
}

/** The crop slider of a destination already cut to its own shape moves its window at once, live. */
function onCropMoved(e: Event) {
  const input = e.target as HTMLInputElement;
  const form = input.closest<HTMLFormElement>("[data-testid=edit-destination]");
  const id = input.closest<HTMLElement>("[data-id]")?.dataset.id;
  const was = id ? editing.get(id) : undefined;
  if (input.name !== "crop_x" || !form || !id || !was || was.fit === "scale") return;
  const output = { ...was, crop_x: Number(input.value) };
  run(() => api("PATCH", `/destinations/${id}`, { output }).then(() => editing.set(id, output)));
}

function onSubmit(e: Event) {
  const form = e.target as HTMLFormElement;
  const f = new FormData(form);
  if (form.dataset.testid === "profile-form") {
    e.preventDefault();
    run(() => api("POST", "/profiles", { name: f.get("name"), destination_ids: dests.map((d) => d.id) }).then(() => form.reset()).then(loadProfiles));
  } else if (form.dataset.testid === "edit-destination") {
    e.preventDefault();
    const card = form.closest<HTMLElement>("[data-id]")!;
    const body: Record<string, unknown> = {
      name: f.get("name"),
      url: f.get("url"),
      enabled: f.get("enabled") === "on",
      delay_s: Number(f.get("delay_s") ?? 0),
      feed: f.get("feed") || "main",
      transcode_fallback: f.get("transcode_fallback") === "on",
    };
    const output = outputFromForm(f, editing.get(card.dataset.id ?? "") ?? null);
    if (output !== undefined) body.output = output;
    if (f.get("stream_key")) body.stream_key = f.get("stream_key");
    run(() =>
      api("PATCH", `/destinations/${card.dataset.id}`, body).then(() => {
        card.querySelector<HTMLElement>(".edit-slot")!.innerHTML = "";
        toast(t("common.saved"));
        onChange();
      }),
    );
  } else if (form.dataset.testid === "alert-settings") {
    e.preventDefault();
    run(() => api("PUT", "/settings", { bitrate_floor_kbps: Number(f.get("bitrate_floor_kbps")), low_disk_mb: Number(f.get("low_disk_mb")) }).then(() => toast(t("alerts.saved"))));
  }
}

export const profilesPanel: Panel = {
  html: manageHtml,
  init: (ctx) => initManage(ctx.root, ctx.acts, ctx.refresh),
};
