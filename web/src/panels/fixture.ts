// A typed status as the box sends it (for the panels' unit tests): TypeScript checks every field
// against the Rust types (web/src/api/, generated).
import type { DestinationStatus } from "../api/DestinationStatus";
import type { GuestInfo } from "../api/GuestInfo";
import type { ShowStatus } from "../api/ShowStatus";

export const dest = (over: Partial<DestinationStatus> = {}): DestinationStatus => ({
  id: 1, name: "Alpha", platform: "twitch", enabled: true, viewers: null, platform_live: null, confirmed_by: "box", watchdog_restarts: 0, fresh_key_needed: false, delay_s: 0, output: null, feed: "main",
  state: "live", kbps: 6200, bytes_sent: 1_500_000, reconnects: 1, dropped_frames: 3, transcoding: false, uptime_s: 65, last_error: null, ...over,
});

export const guest = (over: Partial<GuestInfo> = {}): GuestInfo => ({
  id: "g1", name: "Ana <b>", invite_id: "i1", state: "live", rtt_ms: 12, jitter_ms: 3, loss_pct: 0.5, kbps: 1200, width: 1280, height: 720, fps: 30,
  muted_audio: false, muted_video: false, viewers: 2, connected_s: 10, quality: "high", max_bitrate_kbps: 2500, available_kbps: null, host: false, ...over,
});

export const status = (over: Partial<ShowStatus> = {}): ShowStatus => ({
  live: true, paused: false, on_air: "feed", started_at: null, duration_s: 65, feed_lost_s: null, test_signal: false,
  ingest: { connected: true, proto: "rtmp", peer: "127.0.0.1:5000", connected_s: 70, video: { codec: "h264", width: 1920, height: 1080, fps: 30, kbps: 6000 }, audio: { codec: "aac", sample_rate: 48000, channels: 2, kbps: 160 }, frames: 2100, bytes: 5_000_000 },
  second: { on_air: "none", feed_lost_s: null, in_use: false, ingest: { connected: false, proto: null, peer: null, connected_s: null, video: { codec: "", width: 0, height: 0, fps: 0, kbps: 0 }, audio: { codec: "", sample_rate: 0, channels: 0, kbps: 0 }, frames: 0, bytes: 0 } },
  destinations: [dest(), dest({ id: 2, name: "Bravo", dropped_frames: 4 })],
  guests: [guest()],
  obs: { configured: true, connected: true, version: "31.0.0", websocket_version: "5.5.0", scene: "Main", scene_uuid: null, streaming: true, recording: false, kbps: 6000, dropped_frames: 5, total_frames: 900, render_skipped_frames: 0, cpu_pct: 0, render_ms: 2, error: null, profile: "onair", collection: "onair", last_recording: null, silent_s: 0 },
  platforms: [],
  recovery: null,
  disk_full: false,
  recording: null,
  ...over,
});
