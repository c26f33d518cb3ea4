// The first-run guide, after the password (its first step) on a fresh box: destinations (a
// platform's preset and its key, or linking the account), OBS (one click where the box reaches it,
// else the server and key to paste), then a test show on the test signal that proves each
// destination receives. Skippable at every step; opened again from the settings view.
import { api } from "../api";
import type { Preset } from "../api/Preset";
import type { ShowStatus } from "../api/ShowStatus";
import { type Key, t, tf } from "../i18n";
import { esc, run, toast } from "../ui";

type Step = "destinations" | "obs" | "test";
const STEPS: Step[] = ["destinations", "obs", "test"];

let box: HTMLElement | null = null;
let presets: Preset[] = [];
/** The test show this guide started (so closing the guide ends it). */
let testing = false;

/** The strength hint under a new password (pure: unit-tested): length and kinds of characters. */
export function strength(pw: string): "weak" | "fair" | "strong" {
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  if (pw.length < 10 || (pw.length < 14 && kinds < 2)) return "weak";
  if (pw.length >= 16 || (pw.length >= 12 && kinds >= 3)) return "strong";
  return "fair";
}

/** Opens the guide over the dashboard at `step`. */
export function openGuide(app: HTMLElement, step: Step = "destinations") {
  box?.remove();
  box = document.createElement("div");
  box.className = "guide";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-labelledby", "guide-title");
  box.dataset.testid = "guide";
  app.appendChild(box);
  show(step);
}

async function close() {
  if (testing) await endTest();
  box?.remove();
  box = null;
}

function frame(step: Step, body: string): string {
  const n = STEPS.indexOf(step) + 2;
  return `<div class="guide-card card">
      <p class="dim" data-testid="guide-step">${esc(tf("guide.stepOf", { n: String(n), total: "4" }))}</p>
      <h2 id="guide-title">${esc(t(`guide.${step}.title` as Key))}</h2>
      ${body}
      <div class="dest-actions guide-nav">
        <button class="ghost small" data-guide="skip" data-testid="guide-skip">${esc(t("guide.skip"))}</button>
        ${step !== "test" ? `<button class="primary small" data-guide="next" data-testid="guide-next">${esc(t("guide.next"))}</button>` : `<button class="primary small" data-guide="done" data-testid="guide-done">${esc(t("guide.done"))}</button>`}
      </div></div>`;
}

function show(step: Step) {
  if (!box) return;
  if (step === "destinations") {
    box.innerHTML = frame(
      step,
      `<p>${esc(t("guide.destinations.intro"))}</p>
      <form class="guide-dest" data-testid="guide-dest-form">
        <select name="platform" data-testid="guide-platform" aria-label="${esc(t("dest.platform"))}"></select>
        <input name="url" data-testid="guide-url" aria-label="${esc(t("dest.url"))}" placeholder="${esc(t("dest.urlPlaceholder"))}" />
        <input name="stream_key" type="password" data-testid="guide-key" aria-label="${esc(t("dest.key"))}" placeholder="${esc(t("dest.key"))}" autocomplete="off" />
        <button class="small" data-testid="guide-add">${esc(t("dest.add"))}</button>
      </form>
      <ul class="guide-list" data-testid="guide-dests"></ul>
      <p class="dim">${esc(t("guide.destinations.link"))} <a href="#platforms" data-guide="platforms">${esc(t("tabs.platforms"))}</a></p>`,
    );
    const form = box.querySelector<HTMLFormElement>("form")!;
    const select = form.elements.namedItem("platform") as HTMLSelectElement;
    const url = form.elements.namedItem("url") as HTMLInputElement;
    const fill = () => {
      const p = presets.find((x) => x.platform === select.value);
      url.value = p?.url ?? "";
      url.hidden = !!p?.url;
    };
    select.addEventListener("change", fill);
    const load = presets.length ? Promise.resolve(presets) : api<Preset[]>("GET", "/destinations/presets").then((p) => (presets = p));
    load.then((p) => {
      select.innerHTML = p.map((x) => `<option value="${esc(x.platform)}">${esc(x.label)}</option>`).join("");
      fill();
    });
    listDestinations();
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const label = presets.find((x) => x.platform === f.get("platform"))?.label ?? String(f.get("platform"));
      run(async () => {
        await api("POST", "/destinations", { name: label, platform: f.get("platform"), url: f.get("url") || undefined, stream_key: f.get("stream_key") || "", enabled: true });
        (form.elements.namedItem("stream_key") as HTMLInputElement).value = "";
        toast(tf("guide.destinations.added", { name: label }));
        listDestinations();
      });
    });
  } else if (step === "obs") {
    box.innerHTML = frame(
      step,
      `<p>${esc(t("guide.obs.intro"))}</p>
      <p data-testid="guide-obs-state" class="dim"></p>
      <button class="small primary" data-guide="obs-setup" data-testid="guide-obs-setup" hidden>${esc(t("guide.obs.oneClick"))}</button>
      <label>${esc(t("ingest.server"))} <code data-testid="guide-server"></code></label>
      <label>${esc(t("ingest.key"))} <code data-testid="guide-stream-key"></code></label>
      <p class="dim">${esc(t("guide.obs.paste"))}</p>`,
    );
    api<{ rtmp_url: string; key: string }>("GET", "/ingest").then((i) => {
      box!.querySelector("[data-testid=guide-server]")!.textContent = i.rtmp_url;
      box!.querySelector("[data-testid=guide-stream-key]")!.textContent = i.key;
    });
    api<ShowStatus>("GET", "/status").then((s) => {
      const connected = s.obs.connected;
      box!.querySelector("[data-testid=guide-obs-state]")!.textContent = t(connected ? "guide.obs.connected" : "guide.obs.notConnected");
      box!.querySelector<HTMLElement>("[data-testid=guide-obs-setup]")!.hidden = !connected;
    });
  } else {
    box.innerHTML = frame(
      step,
      `<p>${esc(t("guide.test.intro"))}</p>
      <button class="small primary" data-guide="test-start" data-testid="guide-test-start">${esc(t("guide.test.start"))}</button>
      <button class="small" data-guide="test-stop" data-testid="guide-test-stop" hidden>${esc(t("guide.test.stop"))}</button>
      <ul class="guide-list" data-testid="guide-results"></ul>`,
    );
  }
  box.querySelectorAll<HTMLElement>("[data-guide]").forEach((el) => el.addEventListener("click", (e) => onAct(e, el.dataset.guide!, step)));
  box.querySelector<HTMLElement>("h2")?.focus();
}

function onAct(e: Event, act: string, step: Step) {
  e.preventDefault();
  if (act === "next") show(STEPS[STEPS.indexOf(step) + 1]);
  else if (act === "skip" || act === "done") void close();
  else if (act === "platforms") {
    void close();
    location.hash = "#platforms";
  } else if (act === "obs-setup") run(() => api("POST", "/obs/setup-stream").then(() => toast(t("obs.setupDone"))));
  else if (act === "test-start") run(startTest);
  else if (act === "test-stop") run(endTest);
}

async function listDestinations() {
  const s = await api<ShowStatus>("GET", "/status");
  const ul = box?.querySelector("[data-testid=guide-dests]");
  if (ul) ul.innerHTML = s.destinations.map((d) => `<li>${esc(d.name)}</li>`).join("") || `<li class="dim">${esc(t("guide.destinations.none"))}</li>`;
}

/** The test signal on air to every enabled destination; each one's state shown until it is live. */
async function startTest() {
  await api("POST", "/ingest/test-signal", { enabled: true });
  await api("POST", "/live/start");
  testing = true;
  box?.querySelector<HTMLElement>("[data-testid=guide-test-start]")?.setAttribute("hidden", "");
  box?.querySelector<HTMLElement>("[data-testid=guide-test-stop]")?.removeAttribute("hidden");
  const end = Date.now() + 60000;
  while (testing && box && Date.now() < end) {
    const s = await api<ShowStatus>("GET", "/status");
    const ul = box.querySelector("[data-testid=guide-results]");
    if (ul)
      ul.innerHTML = s.destinations
        .filter((d) => d.enabled)
        .map((d) => {
          const ok = d.state === "live" && d.bytes_sent > 0;
          return `<li data-testid="guide-result" data-state="${ok ? "ok" : "waiting"}">${ok ? "✓" : "…"} ${esc(d.name)}: ${esc(t(ok ? "guide.test.receives" : "guide.test.waiting"))}</li>`;
        })
        .join("");
    if (s.destinations.filter((d) => d.enabled).every((d) => d.state === "live" && d.bytes_sent > 0)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function endTest() {
  testing = false;
  await api("POST", "/live/stop").catch(() => {});
  await api("POST", "/ingest/test-signal", { enabled: false }).catch(() => {});
  box?.querySelector<HTMLElement>("[data-testid=guide-test-stop]")?.setAttribute("hidden", "");
  box?.querySelector<HTMLElement>("[data-testid=guide-test-start]")?.removeAttribute("hidden");
}

/** The settings view's card that opens the guide again. */
export const guidePanel = {
  html: () => `
      <section class="card" data-testid="guide-panel">
        <h2>${esc(t("guide.panelTitle"))}</h2>
        <p class="dim">${esc(t("guide.panelHint"))}</p>
        <button class="small" data-act="open-guide" data-testid="open-guide">${esc(t("guide.open"))}</button>
      </section>`,
  init(ctx: { root: HTMLElement; acts: { on: (a: string, f: () => void) => unknown } }) {
    ctx.acts.on("open-guide", () => openGuide(ctx.root));
  },
};
