// The join page's sentences that carry numbers or names, from the catalogue.
import { tf, type Key, type Lang } from "../i18n";
import type { Quality } from "./whip";

export const liveText = (kbps: number, rttMs: number | null, l?: Lang): string =>
  rttMs != null ? tf("join.liveStatsRtt", { kbps: String(kbps), ms: String(Math.round(rttMs)) }, l) : tf("join.liveStats", { kbps: String(kbps) }, l);

const levels: Record<string, Key> = { high: "join.level.high", medium: "join.level.medium", low: "join.level.low" };

/** The level the box asks for, by its name in the guest's language (a level the page does not know, as the box says it). */
export function qualityText(q: Quality, l?: Lang): string {
  const level = levels[q.name] ? tf(levels[q.name], {}, l) : q.name;
  return tf("join.quality", { level, kbps: String(q.max_bitrate_kbps) }, l);
}

/** A device the browser gives no label (before permission): "Camera 2". */
export const deviceLabel = (kind: "videoinput" | "audioinput", label: string, index: number, l?: Lang): string =>
  label || tf(kind === "videoinput" ? "join.cameraN" : "join.microphoneN", { n: String(index + 1) }, l);

export const otherCaption = (name: string, host: boolean | undefined, l?: Lang): string => (host ? tf("join.hostCaption", { name }, l) : name);

/** The session is over: the box's reason, or the usual one. */
export const endedText = (why: string | null, l?: Lang): string => tf("join.ended", { why: why ?? tf("join.revoked", {}, l) }, l);

/** A refused join: the box's words, or its status. */
export const refusedText = (message: string | null, status: number, l?: Lang): string => message ?? tf("join.refused", { status: String(status) }, l);
