// The box itself: its tally, a mirror of its status screen, and its buttons (held as long as the
// mouse or finger holds them, like the real ones). /hw is not on the feed: polled while shown.
import { api } from "../api";
import { t, tf } from "../i18n";
import { esc, run } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;
let timer: ReturnType<typeof setTimeout> | undefined;

async function refreshHw() {
  clearTimeout(timer);
  try {
    const hw = await api<{ tally: string }>("GET", "/hw");
    const tally = $(root, "[data-testid=tally]");
    if (tally) {
      tally.className = `tally ${hw.tally}`;
      tally.dataset.state = hw.tally;
      tally.title = tf("box.tally", { state: hw.tally });
    }
    const img = $<HTMLImageElement>(root, "[data-testid=box-screen]");
    if (img) img.src = `/api/v1/hw/screen.png?t=${Date.now()}`;
  } catch {
    $(root, "[data-testid=box-panel]")?.remove();
    return;
  }
  timer = setTimeout(refreshHw, 2000);
}

export const boxPanel: Panel = {
  html: () => `
      <section class="card box" data-testid="box-panel">
        <h2>${esc(t("box.title"))} <span class="tally" data-testid="tally"></span></h2>
        <img class="screen" data-testid="box-screen" alt="${esc(t("box.screenAlt"))}" />
        <div class="hw-buttons">
          <button class="small" data-hw="go-live" title="${esc(t("box.goLiveHint"))}">${esc(t("box.goLive"))}</button>
          <button class="small" data-hw="next-scene">${esc(t("box.nextScene"))}</button>
          <button class="small" data-hw="mute-guests">${esc(t("box.muteGuests"))}</button>
          <button class="small" data-hw="user">${esc(t("box.user"))}</button>
        </div>
        <p class="dim" data-testid="box-system"></p>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    api<{ version: string; slot: string | null }>("GET", "/system")
      .then((s) => {
        const el = $(root, "[data-testid=box-system]");
        if (el) el.textContent = s.slot ? tf("box.versionSlot", { version: s.version, slot: s.slot }) : tf("box.version", { version: s.version });
      })
      .catch(() => {});
    root.querySelectorAll<HTMLElement>("[data-hw]").forEach((b) => {
      let down = 0;
      const start = (e: Event) => {
        e.preventDefault();
        down = performance.now();
      };
      const end = () => {
        if (!down) return;
        // A real button press lasts at least ~100 ms; a shorter one would be debounced away as a glitch.
        const ms = Math.max(100, Math.min(10000, Math.round(performance.now() - down)));
        down = 0;
        run(() => api("POST", `/hw/buttons/${b.dataset.hw}/press`, { ms }).then(() => setTimeout(refreshHw, 450)));
      };
      b.addEventListener("pointerdown", start);
      b.addEventListener("pointerup", end);
      b.addEventListener("pointerleave", end);
    });
    refreshHw();
  },
  onEvent(m) {
    // The tally follows the show and OBS.
    if (m.type === "show" || m.type === "obs") refreshHw();
  },
};
