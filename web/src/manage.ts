// Managing the box's set-up: editing a destination, profiles, and the alert thresholds.
import { api } from "./api";
import { esc, run, toast } from "./ui";

let root: HTMLElement;
let onChange: () => void;

export function manageHtml(): string {
  return `
    <section class="card profiles" data-testid="profiles-panel">
      <h2>Profiles</h2>
      <ul class="profile-list" data-testid="profile-list"></ul>
      <form class="invite" data-testid="profile-form"><input name="name" placeholder="New profile (e.g. Weekend)" maxlength="100" required /><button class="small">Create</button></form>
      <p class="dim small-note">A profile decides which destinations Go Live starts. With none active, every enabled destination goes.</p>
    </section>`;
}

export function alertSettingsHtml(): string {
  return `<details><summary>Alert settings</summary>
    <form class="app-form" data-testid="alert-settings">
      <label>Feed bitrate floor (kb/s, 0 = off) <input name="bitrate_floor_kbps" type="number" min="0" max="200000" /></label>
      <label>Low disk below (MB, 0 = off) <input name="low_disk_mb" type="number" min="0" /></label>
      <button class="small">Save</button>
    </form></details>`;
}

export function initManage(app: HTMLElement, changed: () => void) {
  root = app;
  onChange = changed;
  app.addEventListener("click", onClick);
  app.addEventListener("submit", onSubmit);
  loadProfiles();
  api("GET", "/settings")
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
  const ps = await api<any[]>("GET", "/profiles").catch(() => []);
  const ul = root.querySelector<HTMLElement>("[data-testid=profile-list]");
  if (!ul) return;
  ul.innerHTML =
    ps
      .map(
        (p) => `<li class="profile ${p.active ? "active" : ""}" data-profile="${p.id}" data-testid="profile-row">
        <div class="platform-head"><b>${esc(p.name)}</b>${p.active ? ` <span class="badge live">active</span>` : ""}
          <span class="dest-actions">${p.active ? `<button class="small" data-mact="pdeactivate">Deactivate</button>` : `<button class="small primary" data-mact="pactivate">Activate</button>`}
          <button class="ghost small" data-mact="pdelete">Delete</button></span></div>
        <div class="profile-dests">${dests
          .map((d) => `<label><input type="checkbox" data-mact="pdest" data-dest="${d.id}" ${p.destination_ids.includes(d.id) ? "checked" : ""}/> ${esc(d.name)}</label>`)
          .join("")}</div>
      </li>`,
      )
      .join("") || `<li class="dim">No profiles.</li>`;
}

/** The edit form inside a destination card. */
export function editForm(d: any): string {
  return `<form class="edit-form" data-testid="edit-destination">
    <input name="name" value="${esc(d.name)}" maxlength="100" required placeholder="Name" />
    <input name="url" value="${esc(d.url ?? "")}" placeholder="Server URL" />
    <input name="stream_key" type="password" autocomplete="off" placeholder="${d.stream_key_set ? `Key set (${esc(d.stream_key_hint ?? "…")}); type to replace` : "Stream key"}" />
    <label class="switch"><input type="checkbox" name="enabled" ${d.enabled ? "checked" : ""}/> Enabled</label>
    <div class="dest-actions"><button class="small primary">Save</button><button type="button" class="ghost small" data-mact="dcancel">Cancel</button></div>
  </form>`;
}

function onClick(e: Event) {
  const b = (e.target as HTMLElement).closest<HTMLElement>("[data-mact]");
  if (!b) return;
  const act = b.dataset.mact;
  const pid = b.closest<HTMLElement>("[data-profile]")?.dataset.profile;
  const card = b.closest<HTMLElement>("[data-id]");
  if (act === "pactivate") run(() => api("POST", `/profiles/${pid}/activate`).then(loadProfiles).then(() => toast("Profile active: Go Live starts its destinations")));
  if (act === "pdeactivate") run(() => api("POST", "/profiles/deactivate").then(loadProfiles));
  if (act === "pdelete" && confirm("Delete this profile?")) run(() => api("DELETE", `/profiles/${pid}`).then(loadProfiles));
  if (act === "pdest") {
    const ids = [...b.closest("[data-profile]")!.querySelectorAll<HTMLInputElement>("input[data-dest]")].filter((i) => i.checked).map((i) => Number(i.dataset.dest));
    run(() => api("PATCH", `/profiles/${pid}`, { destination_ids: ids }));
  }
  if (act === "dedit" && card) {
    run(async () => {
      const d = await api("GET", `/destinations/${card.dataset.id}`);
      const slot = card.querySelector<HTMLElement>(".edit-slot")!;
      slot.innerHTML = editForm(d);
    });
  }
  if (act === "dcancel" && card) card.querySelector<HTMLElement>(".edit-slot")!.innerHTML = "";
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
    const body: any = { name: f.get("name"), url: f.get("url"), enabled: f.get("enabled") === "on" };
    if (f.get("stream_key")) body.stream_key = f.get("stream_key");
    run(() =>
      api("PATCH", `/destinations/${card.dataset.id}`, body).then(() => {
        card.querySelector<HTMLElement>(".edit-slot")!.innerHTML = "";
        toast("Saved");
        onChange();
      }),
    );
  } else if (form.dataset.testid === "alert-settings") {
    e.preventDefault();
    run(() => api("PUT", "/settings", { bitrate_floor_kbps: Number(f.get("bitrate_floor_kbps")), low_disk_mb: Number(f.get("low_disk_mb")) }).then(() => toast("Alert settings saved")));
  }
}
