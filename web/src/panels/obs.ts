// OBS: the connection's state, its scenes (switch by click), stream set-up and the connection form.
import { api } from "../api";
import type { ObsStatus } from "../api/ObsStatus";
import type { ShowStatus } from "../api/ShowStatus";
import { t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;
let sceneKey = "";

/** The state line (pure: unit-tested). */
export function obsState(o: ObsStatus): string {
  if (o.connected) {
    const parts = [tf("obs.connected", { version: o.version ?? "?" }), t(o.streaming ? "obs.streaming" : "obs.notStreaming")];
    if (o.cpu_pct) parts.push(tf("obs.cpu", { pct: String(o.cpu_pct) }));
    if (o.silent_s !== null && o.silent_s >= 5) parts.push(tf("obs.silent", { s: String(o.silent_s) }));
    return parts.join(" · ");
  }
  return o.configured ? (o.error ?? t("obs.connecting")) : t("obs.notSetUp");
}

type Item = { id: number; name: string; enabled: boolean };
type Input = { name: string; muted: boolean; volume_db: number; level_db: number | null };

/** A `<select>` of OBS's profiles or scene collections (pure: unit-tested). */
export function choiceHtml(kind: "profile" | "collection", current: string, names: string[]): string {
  const label = t(kind === "profile" ? "obs.profile" : "obs.collection");
  return `<label>${esc(label)} <select data-obs-choice="${kind}" data-testid="obs-${kind}">${names
    .map((n) => `<option value="${esc(n)}" ${n === current ? "selected" : ""}>${esc(n)}</option>`)
    .join("")}</select></label>`;
}

/** The current scene's sources as switches, and the audio inputs with mute and fader (pure). */
export function sourcesHtml(items: Item[], inputs: Input[]): string {
  const rows = items
    .map((i) => `<label class="switch"><input type="checkbox" data-obs-item="${i.id}" ${i.enabled ? "checked" : ""}/> ${esc(i.name)}</label>`)
    .join("");
  const audio = inputs
    .map(
      (a) => `<div class="obs-input" data-testid="obs-input">
        <button class="small ${a.muted ? "muted" : ""}" data-act="obs-mute" data-input="${esc(a.name)}" data-muted="${a.muted}">${esc(a.muted ? tf("obs.unmute", { name: a.name }) : tf("obs.mute", { name: a.name }))}</button>
        <input type="range" min="-60" max="6" step="0.5" value="${Math.max(-60, a.volume_db)}" data-obs-volume="${esc(a.name)}" aria-label="${esc(tf("obs.volume", { name: a.name }))}" />
        <meter min="-60" max="0" low="-20" high="-6" optimum="-12" value="${Math.max(-60, a.level_db ?? -60)}" data-obs-level="${esc(a.name)}"></meter>
        <span class="dim">${a.volume_db <= -100 ? "−∞" : a.volume_db.toFixed(1)} dB</span></div>`,
    )
    .join("");
  return `<div class="obs-sources" data-testid="obs-sources">${rows}</div><div class="obs-audio">${audio}</div>`;
}

async function loadControls() {
  const box = $(root, "[data-testid=obs-controls]");
  if (!box) return;
  const [p, c, items, inputs] = await Promise.all([
    api<{ current: string; profiles: string[] }>("GET", "/obs/profiles"),
    api<{ current: string; collections: string[] }>("GET", "/obs/collections"),
    api<Item[]>("GET", "/obs/scene-items").catch(() => []),
    api<Input[]>("GET", "/obs/inputs").catch(() => []),
  ]);
  box.innerHTML = `<div class="obs-choices">${choiceHtml("profile", p.current, p.profiles)}${choiceHtml("collection", c.current, c.collections)}</div>${sourcesHtml(items, inputs)}`;
}

async function loadScenes() {
  const box = $(root, "[data-testid=obs-scenes]");
  if (!box) return;
  const sc = await api<{ current: string; scenes: string[] }>("GET", "/obs/scenes");
  box.innerHTML = sc.scenes.map((n) => `<button class="small scene ${n === sc.current ? "current" : ""}" data-act="scene" data-scene="${esc(n)}">${esc(n)}</button>`).join("");
}

export const obsPanel: Panel = {
  html: () => `
      <section class="card obs" data-testid="obs-panel">
        <h2>OBS <span class="obs-state" data-testid="obs-state"></span></h2>
        <div class="scenes" data-testid="obs-scenes"></div>
        <div class="obs-controls" data-testid="obs-controls"></div>
        <div class="obs-actions">
          <button class="small" data-act="obs-setup" title="${esc(t("obs.setupHint"))}">${esc(t("obs.setup"))}</button>
        </div>
        <details>
          <summary>${esc(t("obs.connection"))}</summary>
          <form data-testid="obs-form" class="obs-form">
            <input name="host" placeholder="${esc(t("obs.host"))}" required />
            <input name="port" type="number" value="4455" min="1" max="65535" required />
            <input name="password" type="password" placeholder="${esc(t("obs.password"))}" autocomplete="off" />
            <button class="small primary">${esc(t("common.save"))}</button>
          </form>
        </details>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    ctx.acts
      .on("obs-setup", () => run(() => api("POST", "/obs/setup-stream").then(() => toast(t("obs.setupDone")))))
      .on("scene", (b) => run(() => api("POST", "/obs/scene", { name: b.dataset.scene })))
      .on("obs-mute", (b) => run(() => api("POST", `/obs/inputs/${encodeURIComponent(b.dataset.input ?? "")}`, { muted: b.dataset.muted !== "true" }).then(loadControls)));
    root.addEventListener("change", (e) => {
      const el = e.target as HTMLInputElement | HTMLSelectElement;
      const choice = el.dataset.obsChoice;
      if (choice) run(() => api("POST", `/obs/${choice}`, { name: el.value }));
      const item = el.dataset.obsItem;
      if (item) run(() => api("POST", `/obs/scene-items/${item}`, { enabled: (el as HTMLInputElement).checked }));
      const vol = el.dataset.obsVolume;
      if (vol) run(() => api("POST", `/obs/inputs/${encodeURIComponent(vol)}`, { volume_db: Number(el.value) }).then(loadControls));
    });
    const form = $<HTMLFormElement>(root, "[data-testid=obs-form]")!;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const f = new FormData(form);
      run(async () => {
        await api("PUT", "/obs/connection", { host: f.get("host"), port: Number(f.get("port")), password: f.get("password") || null });
        toast(t("obs.saved"));
      });
    });
  },
  render(s: ShowStatus) {
    const st = $(root, "[data-testid=obs-state]");
    if (!st) return;
    const o = s.obs;
    st.textContent = obsState(o);
    st.className = `obs-state ${o.connected ? "on" : "off"}`;
    const box = $(root, "[data-testid=obs-scenes]")!;
    if (!o.connected) {
      box.innerHTML = "";
      $(root, "[data-testid=obs-controls]")!.innerHTML = "";
      sceneKey = "";
      return;
    }
    // The scene list is not in the status: fetched when OBS connects or its scene, profile or
    // collection changes.
    const key = `${o.scene}|${o.profile}|${o.collection}`;
    if (key === sceneKey && box.childElementCount) return;
    sceneKey = key;
    loadScenes().catch(() => {});
    loadControls().catch(() => {});
  },
  onEvent(m) {
    if (m.type !== "obs") return;
    if (m.obs_event === "scene_item_changed" || m.obs_event === "input_muted" || m.obs_event === "input_renamed") loadControls().catch(() => {});
    // A scene renamed in OBS: its button says the new name (the status says it too when it is the current one).
    if (m.obs_event === "scene_renamed") loadScenes().catch(() => {});
    if (m.obs_event === "levels") {
      for (const l of m.levels) {
        const el = root.querySelector<HTMLMeterElement>(`meter[data-obs-level="${CSS.escape(l.input)}"]`);
        if (el) el.value = Math.max(-60, l.db);
      }
    }
  },
};
