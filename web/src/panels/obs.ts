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
    return parts.join(" · ");
  }
  return o.configured ? (o.error ?? t("obs.connecting")) : t("obs.notSetUp");
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
      .on("scene", (b) => run(() => api("POST", "/obs/scene", { name: b.dataset.scene })));
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
      sceneKey = "";
      return;
    }
    // The scene list is not in the status: fetched when OBS connects or its scene changes.
    const key = `${o.scene}`;
    if (key === sceneKey && box.childElementCount) return;
    sceneKey = key;
    loadScenes().catch(() => {});
  },
};
