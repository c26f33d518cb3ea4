// The program preview: what goes out, played in the page about a second behind (the box remuxes the
// frames it relays into fragmented MP4, nothing is re-encoded), with an audio meter. It plays only
// while the page is visible and the preview is on.
import type { ShowStatus } from "../api/ShowStatus";
import { t, tf } from "../i18n";
import { esc } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;
let player: Player | null = null;
let feed: "main" | "second" = "main";
let wanted = true;

/** How far behind the newest frame the preview may fall before it jumps ahead (seconds). */
export const MAX_LAG_S = 1.5;
/** Where it jumps to: this far behind the newest frame (seconds). */
export const LAG_TARGET_S = 0.3;
/** Fragments waiting for the source buffer before the preview starts over. */
const MAX_QUEUE = 300;

/** Where to play from (pure: unit-tested): `null` to leave it, else the new current time. */
export function catchUp(current: number, bufferedEnd: number | null): number | null {
  if (bufferedEnd == null) return null;
  return bufferedEnd - current > MAX_LAG_S ? Math.max(0, bufferedEnd - LAG_TARGET_S) : null;
}

/** An RMS level to a meter's width in percent: -60 dBFS and below is empty (pure: unit-tested). */
export function meterPercent(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
}

class Player {
  private ws: WebSocket | null = null;
  private ms = new MediaSource();
  private sb: SourceBuffer | null = null;
  private mime = "";
  private next: string | null = null;
  private queue: ArrayBuffer[] = [];
  private meter: number | undefined;
  private analyser: AnalyserNode | null = null;
  constructor(
    private video: HTMLVideoElement,
    private which: string,
    private say: (s: string) => void,
  ) {
    video.src = URL.createObjectURL(this.ms);
    this.ms.addEventListener("sourceopen", () => this.open(), { once: true });
  }

  private open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/feeds/${this.which}/live`);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => this.take(m.data);
    ws.onclose = () => this.say(t("preview.ended"));
    this.ws = ws;
    this.say(t("preview.waiting"));
  }

  private take(data: string | ArrayBuffer) {
    if (typeof data === "string") {
      const j = JSON.parse(data) as { type: string; mime?: string };
      if (j.type === "init" && j.mime) this.next = j.mime;
      return;
    }
    if (this.next) {
      const mime = this.next;
      this.next = null;
      if (!MediaSource.isTypeSupported(mime)) {
        this.say(tf("preview.unsupported", { mime }));
        this.stop();
        return;
      }
      if (!this.sb) {
        this.sb = this.ms.addSourceBuffer(mime);
        this.sb.mode = "segments";
        this.sb.addEventListener("updateend", () => this.pump());
      } else if (mime !== this.mime) {
        this.sb.changeType?.(mime);
      }
      this.mime = mime;
      this.say("");
    }
    if (!this.sb) return;
    this.queue.push(data);
    if (this.queue.length > MAX_QUEUE) {
      this.say(t("preview.behind"));
      this.stop();
      return;
    }
    this.pump();
  }

  private pump() {
    const sb = this.sb;
    if (!sb || sb.updating) return;
    const v = this.video;
    const b = v.buffered;
    const end = b.length ? b.end(b.length - 1) : null;
    const to = catchUp(v.currentTime, end);
    if (to != null) v.currentTime = to;
    if (b.length && v.currentTime - b.start(0) > 20) {
      sb.remove(0, v.currentTime - 10);
      return;
    }
    const next = this.queue.shift();
    if (next) {
      try {
        sb.appendBuffer(next);
      } catch {
        this.say(t("preview.behind"));
        this.stop();
        return;
      }
    }
    if (v.paused && end != null) void this.play();
  }

  private async play() {
    const v = this.video;
    // Sound for the meter needs the page to have been clicked; without it, the picture alone.
    v.muted = false;
    try {
      await v.play();
      this.listen();
    } catch {
      v.muted = true;
      await v.play().catch(() => {});
    }
  }

  private listen() {
    if (this.analyser) return;
    try {
      const ctx = new AudioContext();
      const src = ctx.createMediaElementSource(this.video);
      const a = ctx.createAnalyser();
      a.fftSize = 1024;
      // Measured, not heard: the dashboard stays silent.
      src.connect(a);
      this.analyser = a;
      const buf = new Float32Array(a.fftSize);
      const bar = $<HTMLElement>(root, "[data-testid=preview-meter] span");
      this.meter = window.setInterval(() => {
        a.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const x of buf) sum += x * x;
        const pct = meterPercent(Math.sqrt(sum / buf.length));
        if (bar) bar.style.width = `${pct}%`;
        const meter = root.querySelector<HTMLElement>("[data-testid=preview-meter]")!;
        meter.dataset.level = String(Math.round(pct));
        meter.setAttribute("aria-valuenow", String(Math.round(pct)));
      }, 100);
    } catch {
      // No Web Audio: no meter.
    }
  }

  stop() {
    this.ws?.close();
    this.ws = null;
    window.clearInterval(this.meter);
    this.queue = [];
    const v = this.video;
    v.pause();
    v.removeAttribute("src");
    v.load();
  }
}

function start() {
  stop();
  const video = $<HTMLVideoElement>(root, "[data-testid=preview-video]");
  if (!video || !wanted || document.visibilityState !== "visible" || typeof MediaSource === "undefined") return;
  player = new Player(video, feed, (s) => {
    const el = $(root, "[data-testid=preview-state]");
    if (el) el.textContent = s;
  });
}

function stop() {
  player?.stop();
  player = null;
}

export const previewPanel: Panel = {
  html: () => `
      <section class="card preview" data-testid="preview-card">
        <h2>${esc(t("preview.title"))}
          <span class="preview-feeds" role="group" aria-label="${esc(t("dest.feed"))}">
            <button class="small ghost" data-act="pfeed" data-feed="main" aria-pressed="true">${esc(t("dest.mainFeed"))}</button>
            <button class="small ghost" data-act="pfeed" data-feed="second" aria-pressed="false" hidden>${esc(t("dest.secondFeed"))}</button>
          </span>
          <button class="small" data-act="ptoggle" data-testid="preview-toggle">${esc(t("preview.stop"))}</button></h2>
        <video data-testid="preview-video" muted playsinline aria-label="${esc(t("preview.title"))}"></video>
        <div class="meter" data-testid="preview-meter" role="meter" aria-label="${esc(t("preview.audio"))}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><span></span></div>
        <p class="dim" data-testid="preview-state" aria-live="polite"></p>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    ctx.acts
      .on("ptoggle", (b) => {
        wanted = !wanted;
        b.textContent = t(wanted ? "preview.stop" : "preview.watch");
        if (wanted) start();
        else stop();
      })
      .on("pfeed", (b) => {
        feed = b.dataset.feed === "second" ? "second" : "main";
        root.querySelectorAll<HTMLElement>("[data-act=pfeed]").forEach((x) => x.setAttribute("aria-pressed", String(x.dataset.feed === feed)));
        start();
      });
    document.addEventListener("visibilitychange", () => (document.visibilityState === "visible" ? start() : stop()));
    start();
  },
  render(s: ShowStatus) {
    const second = root.querySelector<HTMLElement>("[data-act=pfeed][data-feed=second]");
    if (second) second.hidden = !s.second.ingest.connected && feed !== "second";
  },
};
