// The join page's reading of its sender's WebRTC stats, and the encoding a quality level asks for.
import type { Quality, Report } from "./whip";

/** The parts of an `RTCStatsReport` entry the page reads. */
export interface StatsEntry {
  type: string;
  nominated?: boolean;
  currentRoundTripTime?: number;
  availableOutgoingBitrate?: number;
  roundTripTime?: number;
  bytesSent?: number;
  kind?: string;
  qualityLimitationReason?: string;
}

export interface Reading {
  report: Report;
  /** Bytes sent so far, on every outgoing stream. */
  bytes: number;
}

/**
 * The round trip (the nominated candidate pair's, else the remote's report of it), the bandwidth the
 * browser estimates, what holds the video back, and the bytes sent.
 */
export function readStats(entries: Iterable<StatsEntry>): Reading {
  let rtt: number | null = null;
  let remoteRtt: number | null = null;
  let avail: number | null = null;
  let limited: string | null = null;
  let bytes = 0;
  for (const s of entries) {
    if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime != null) rtt = s.currentRoundTripTime * 1000;
    if (s.type === "candidate-pair" && s.nominated && s.availableOutgoingBitrate != null) avail = Math.round(s.availableOutgoingBitrate / 1000);
    if (s.type === "remote-inbound-rtp" && s.roundTripTime != null && remoteRtt == null) remoteRtt = s.roundTripTime * 1000;
    if (s.type === "outbound-rtp") bytes += s.bytesSent ?? 0;
    if (s.type === "outbound-rtp" && s.kind === "video" && s.qualityLimitationReason) limited = s.qualityLimitationReason;
  }
  return { report: { rtt_ms: rtt ?? remoteRtt, available_kbps: avail, limited_by: limited }, bytes };
}

/** kb/s sent between two readings (`at` in ms); 0 for the first. */
export function kbpsBetween(prev: { bytes: number; at: number } | null, bytes: number, at: number): number {
  if (!prev || at <= prev.at) return 0;
  return Math.round(((bytes - prev.bytes) * 8) / (at - prev.at));
}

/** Two levels with the same key ask the same of the sender. */
export const qualityKey = (q: Quality): string => `${q.max_bitrate_kbps}/${q.scale}/${q.max_fps}`;

/** The video sender's first encoding under a level. */
export function applyLevel(encoding: RTCRtpEncodingParameters, q: Quality): RTCRtpEncodingParameters {
  encoding.maxBitrate = q.max_bitrate_kbps * 1000;
  encoding.scaleResolutionDownBy = q.scale;
  encoding.maxFramerate = q.max_fps;
  return encoding;
}
