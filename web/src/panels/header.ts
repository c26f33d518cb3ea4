// The header (headline, clock, feed state, log out), the data banner and the show's controls.
import { api } from "../api";
import type { ShowStatus } from "../api/ShowStatus";
import { duration, headline } from "../format";
import { t } from "../i18n";
import { dataBanner } from "../storage";
import { esc, run } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;

export const header: Panel = {
  html: () => `
    <header class="top">
      <div class="brand">on<span>air</span></div>
      <div class="headline off" data-testid="headline">${esc(t("show.offAir"))}</div>
      <div class="clock" data-testid="duration">—</div>
      <div class="feed-state" data-testid="feed-state"></div>
      <button class="ghost" data-act="logout">${esc(t("header.logOut"))}</button>
    </header>
    <div class="data-banner" data-testid="data-banner" role="alert" hidden></div>
    <section class="controls" title="${esc(t("controls.shortcuts"))}">
      <button class="golive" data-act="go" data-testid="go-live" aria-keyshortcuts="G">${esc(t("controls.goLive"))}</button>
      <button class="pause" data-act="pause" data-testid="pause" aria-keyshortcuts="P">${esc(t("controls.pause"))}</button>
      <button class="stop" data-act="stop" data-testid="stop" aria-keyshortcuts="S">${esc(t("controls.stop"))}</button>
      <label class="switch"><input type="checkbox" data-act="testsig" data-testid="test-signal" /> ${esc(t("controls.testSignal"))}</label>
    </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    ctx.acts
      .on("logout", () => run(() => api("POST", "/logout").then(() => location.reload())))
      .on("go", () => run(() => api<ShowStatus>("POST", "/live/start").then(ctx.render)))
      .on("pause", (b) => run(() => api<ShowStatus>("POST", b.dataset.paused === "1" ? "/live/resume" : "/live/pause").then(ctx.render)))
      .on("stop", () => {
        if (confirm(t("controls.stopConfirm"))) run(() => api<ShowStatus>("POST", "/live/stop").then(ctx.render));
      });
    $<HTMLInputElement>(root, "[data-act=testsig]")!.addEventListener("change", (e) => {
      run(() => api("POST", "/ingest/test-signal", { enabled: (e.target as HTMLInputElement).checked }));
    });
  },
  render(s: ShowStatus) {
    const hl = $(root, "[data-testid=headline]");
    if (!hl) return;
    const h = headline(s.live, s.paused, s.destinations.filter((d) => d.state !== "idle").map((d) => d.state));
    hl.textContent = h.text;
    hl.className = `headline ${h.tone}`;
    $(root, "[data-testid=duration]")!.textContent = s.live ? duration(s.duration_s) : "—";
    const pause = $<HTMLButtonElement>(root, "[data-act=pause]")!;
    pause.textContent = s.paused ? t("controls.resume") : t("controls.pause");
    pause.dataset.paused = s.paused ? "1" : "0";
    pause.disabled = !s.live;
    $<HTMLButtonElement>(root, "[data-act=go]")!.disabled = s.live;
    $<HTMLButtonElement>(root, "[data-act=stop]")!.disabled = !s.live;
    $<HTMLInputElement>(root, "[data-act=testsig]")!.checked = s.test_signal;
    const banner = $(root, "[data-testid=data-banner]")!;
    const said = dataBanner(s.recovery, s.disk_full);
    banner.hidden = !said;
    banner.textContent = said ?? "";
  },
};
