// Pure formatting and state helpers (unit-tested). Words come from the catalogue (`i18n.ts`).
import { lang, t, tf, type Lang } from "./i18n";

export type DestState = "idle" | "connecting" | "live" | "reconnecting" | "failed";

export function duration(s: number | null | undefined): string {
  if (s == null || s < 0) return "—";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** One decimal in the language's own way (1.5 in English, 1,5 in Portuguese). */
function decimal(v: number, l: Lang = lang()): string {
  return v.toLocaleString(l, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function kbps(k: number | null | undefined): string {
  if (!k) return "0 kb/s";
  return k >= 1000 ? `${decimal(k / 1000)} Mb/s` : `${k} kb/s`;
}

export function bytes(b: number | null | undefined): string {
  if (!b) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = b;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 && i > 0 ? decimal(v) : Math.round(v)} ${units[i]}`;
}

/** A destination's state in the reader's language. */
export function stateLabel(s: DestState, l?: Lang): string {
  return t(`state.${s}`, l);
}

/** The show-level headline: what a streamer needs to read from across the room. */
export function headline(live: boolean, paused: boolean, states: DestState[], l?: Lang): { text: string; tone: "off" | "live" | "warn" | "bad" } {
  if (!live) return { text: t("headline.offAir", l), tone: "off" };
  if (paused) return { text: t("headline.paused", l), tone: "warn" };
  const bad = states.filter((s) => s === "failed").length;
  const shaky = states.filter((s) => s === "reconnecting" || s === "connecting").length;
  if (bad) return { text: tf("headline.failed", { n: String(bad) }, l), tone: "bad" };
  if (shaky) return { text: tf("headline.reconnecting", { n: String(shaky) }, l), tone: "warn" };
  return { text: t("headline.live", l), tone: "live" };
}

/** Keeps the last `max` samples of a series (for sparklines). */
export function pushSample(series: number[], v: number, max = 60): number[] {
  const out = series.length >= max ? series.slice(series.length - max + 1) : series.slice();
  out.push(v);
  return out;
}

export function maskKey(key: string): string {
  if (key.length <= 8) return "•".repeat(key.length);
  return `${key.slice(0, 5)}${"•".repeat(Math.min(16, key.length - 9))}${key.slice(-4)}`;
}
