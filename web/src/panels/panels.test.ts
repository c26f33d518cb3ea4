import { describe, expect, it } from "vitest";
import { dest, guest, status } from "./fixture";
import { destError, presetHint, statsHtml } from "./destinations";
import { guestRow } from "./guests";
import { ingestView, secondView } from "./ingest";
import { catchUp, meterPercent } from "./preview";
import { feedSelect } from "./feed";
import { choiceHtml, obsState, sourcesHtml } from "./obs";
import { recordingRow } from "./recordings";
import { kindsFor, withKinds } from "./notify";
import { cropAt, cropBox, outputFromForm, PICTURES, pictureFields, pictureLabel, pictureOf } from "./picture";

describe("ingest panel", () => {
  it("shows the feed, its formats and everyone's drops from the pushed status", () => {
    const v = ingestView(status());
    expect(v.on).toBe(true);
    expect(v.state).toBe("Connected (RTMP)");
    expect(v.info).toContain("h264 1920×1080 · 30.0 fps · 6.0 Mb/s");
    expect(v.info).toContain("aac 48000 Hz · 2 ch");
    expect(v.drops).toBe("OBS dropped 5 of 900 frames · outputs dropped 7 frames");
    expect(v.totalKbps).toBe(6160);
  });
  it("says how to point OBS at the box when nothing comes in", () => {
    const s = status({ obs: { ...status().obs, connected: false } });
    s.ingest = { ...s.ingest, connected: false, proto: null };
    const v = ingestView(s);
    expect(v.on).toBe(false);
    expect(v.state).toBe("No feed");
    expect(v.info).toContain("Point OBS at");
    expect(v.drops).toBe("outputs dropped 7 frames");
    expect(v.totalKbps).toBe(0);
  });
  it("counts the test signal as a feed", () => {
    const s = status();
    s.ingest = { ...s.ingest, connected: false, proto: "test-signal" };
    expect(ingestView(s)).toMatchObject({ on: true, state: "Test signal" });
  });
});

describe("second feed", () => {
  it("shows its own state, picture and how many destinations take it", () => {
    const off = secondView(status());
    expect(off).toMatchObject({ on: false, state: "No feed" });
    expect(off.info).toContain('data-testid="second-users">0<');
    const base = status();
    const s = status({
      second: { ...base.second, on_air: "feed", in_use: true, ingest: { ...base.ingest, video: { codec: "h264", width: 720, height: 1280, fps: 30, kbps: 3000 } } },
      destinations: [dest(), dest({ id: 2, feed: "second" })],
    });
    const v = secondView(s);
    expect(v).toMatchObject({ on: true, state: "Connected (RTMP)" });
    expect(v.info).toContain("720×1280");
    expect(v.info).toContain('data-testid="second-users">1<');
    expect(statsHtml(dest({ feed: "second" }))).toContain('data-testid="dest-feed"');
    expect(statsHtml(dest())).not.toContain("dest-feed");
  });
  it("is picked on the destination's form", () => {
    expect(feedSelect("second")).toMatch(/<option value="second" selected>/);
    expect(feedSelect("main")).toMatch(/<option value="main" selected>/);
  });
});

describe("destination cards", () => {
  it("show bitrate, uptime, reconnects and who confirms the state", () => {
    const h = statsHtml(dest());
    expect(h).toContain(`<span data-testid="dest-kbps">6.2 Mb/s</span>`);
    expect(h).toContain("up 01:05");
    expect(h).toContain("1 reconnect<");
    expect(h).toContain("1.5 MB");
    expect(h).toContain("box output only");
    expect(h).not.toContain("dest-viewers");
    const p = statsHtml(dest({ reconnects: 2, viewers: 40, confirmed_by: "platform", platform_live: false }));
    expect(p).toContain("2 reconnects");
    expect(p).toContain(`<span data-testid="dest-viewers">40 viewers</span>`);
    expect(p).toContain("⚠ twitch reports offline");
  });
});

describe("guests panel", () => {
  it("renders a guest's row with its stats, escaped", () => {
    const h = guestRow(guest());
    expect(h).toContain(`data-testid="guest-row"`);
    expect(h).toContain("Ana &#60;b&#62;");
    expect(h).not.toContain("Ana <b>");
    expect(h).toContain("high · ≤2500 kb/s");
    expect(h).toContain("12 ms");
    expect(h).toContain("2 viewing");
    expect(h).toContain(">Mute<");
    expect(guestRow(guest({ muted_audio: true }))).toContain(`data-on="1">Unmute<`);
    expect(guestRow(guest({ rtt_ms: null }))).toContain("RTT n/a");
    expect(guestRow(guest({ host: true }))).toContain("(you, talkback)");
  });
});

describe("OBS panel", () => {
  it("says what OBS is doing", () => {
    expect(obsState(status().obs)).toBe("connected · 31.0.0 · streaming");
    expect(obsState({ ...status().obs, streaming: false, cpu_pct: 4.5 })).toBe("connected · 31.0.0 · not streaming · CPU 4.5%");
    expect(obsState({ ...status().obs, connected: false, error: "refused" })).toBe("refused");
    expect(obsState({ ...status().obs, connected: false, configured: false })).toBe("not set up");
  });
});

describe("destination card", () => {
  it("asks for a fresh key where the platform's keys work once, after the error if there is one", () => {
    expect(destError(dest({ fresh_key_needed: true, last_error: null, state: "idle" }))).toBe("this key went out in the last show and works only once: paste a fresh one");
    expect(destError(dest({ fresh_key_needed: true, last_error: "refused", state: "failed" }))).toBe("refused");
    expect(destError(dest({ fresh_key_needed: false, last_error: "old", state: "live" }))).toBe("");
  });
});

describe("destination delay", () => {
  it("shows on the card only when there is one", () => {
    expect(statsHtml(dest({ delay_s: 10 }))).toContain(">10 s behind<");
    expect(statsHtml(dest())).not.toContain("behind");
  });
});

describe("destination picture", () => {
  const vertical = PICTURES.vertical_crop!;
  it("names what a transcoded card sends, and nothing for the feed as it is", () => {
    expect(statsHtml(dest({ output: vertical, transcoding: true }))).toContain(">720×1280 · cropped<");
    expect(statsHtml(dest({ transcoding: true }))).toContain(">H.264 (transcoded)<");
    expect(statsHtml(dest())).not.toContain("dest-picture");
    expect(pictureLabel({ ...vertical, fit: "scale", max_kbps: 800, fps: 15 }, true)).toBe("720×1280 · scaled · 800 kb/s · 15 fps");
  });
  it("turns the form's choice into the output the API takes", () => {
    const form = (o: Record<string, string>) => {
      const f = new FormData();
      for (const [k, v] of Object.entries(o)) f.set(k, v);
      return f;
    };
    expect(outputFromForm(form({ picture: "feed" }), vertical)).toBeNull();
    expect(outputFromForm(form({ picture: "vertical_crop", max_kbps: "2500", crop_x: "0.2" }), null)).toEqual({ ...vertical, max_kbps: 2500, crop_x: 0.2 });
    expect(outputFromForm(form({ picture: "custom" }), null)).toBeNull();
    const custom = { ...vertical, width: 1000, height: 1000 };
    expect(pictureOf(custom)).toBe("custom");
    expect(outputFromForm(form({ picture: "custom", max_kbps: "", crop_x: "0.5" }), custom)).toEqual({ ...custom, max_kbps: null });
    expect(pictureFields(null, true)).toContain('value="feed" selected');
  });
});

describe("OBS controls", () => {
  it("offers the profiles with the current one chosen, and sources and audio as switches", () => {
    const sel = choiceHtml("profile", "live", ["live", "<backup>"]);
    expect(sel).toContain('<option value="live" selected>live</option>');
    expect(sel).toContain("&#60;backup&#62;");
    const src = sourcesHtml([{ id: 3, name: "Camera", enabled: false }], [{ name: "Mic", muted: true, volume_db: -100, level_db: null }]);
    expect(src).toContain('data-obs-item="3" />');
    expect(src).toContain("Unmute Mic");
    expect(src).toContain("−∞ dB");
    expect(src).toContain('data-obs-level="Mic"');
    expect(obsState({ ...status().obs, silent_s: 12 })).toContain("no audio for 12 s");
  });
});

describe("recordings", () => {
  const rec = { id: 4, show_id: null, feed: "main", started_at: "2026-12-03T20:00:00Z", ended_at: "2026-12-03T21:00:00Z", duration_s: 3600.4, bytes: 2_000_000_000, files: ["onair-20261203-200000.flv"], end_reason: "disk_full" };
  it("lists a recording with its length, size, why it stopped and a download", () => {
    const row = recordingRow(rec);
    expect(row).toContain("1:00:00");
    expect(row).toContain("stopped: disk full");
    expect(row).toContain('href="/api/v1/recordings/4/file"');
    expect(recordingRow({ ...rec, end_reason: "stopped" })).not.toContain("stopped:");
    const running = recordingRow({ ...rec, end_reason: null, ended_at: null });
    expect(running).toContain("recording");
    expect(running).not.toContain("download");
  });
});

describe("add-destination form", () => {
  const preset = { platform: "tiktok", label: "TikTok", url: "rtmp://push.tiktokcdn.com/live", requires_tls: false, video_codecs: ["h264"], single_use_key: true };
  it("says which codecs a platform takes and warns about one-show keys", () => {
    expect(presetHint(preset)).toBe("TikTok takes H.264 video · a new key for every show: paste a fresh one before you go live");
    expect(presetHint({ ...preset, platform: "youtube", label: "YouTube", video_codecs: ["h264", "hevc", "av1"], single_use_key: false })).toBe("YouTube takes H.264 / HEVC / AV1 video");
    expect(presetHint({ ...preset, platform: "custom", label: "Custom", video_codecs: ["h264", "hevc", "av1", "vp9"], single_use_key: false })).toBe("");
  });
});

describe("crop window over a still", () => {
  it("is the output's shape inside the feed's, placed like the box places it", () => {
    // 16:9 feed, 9:16 window: 0.316 of the width, from the left edge to the right one.
    const w = (9 / 16) * (9 / 16);
    expect(cropBox(480, 270, 720, 1280, 0).left).toBe(0);
    expect(cropBox(480, 270, 720, 1280, 0.5).width).toBeCloseTo(w, 3);
    expect(cropBox(480, 270, 720, 1280, 1).left).toBeCloseTo(1 - w, 3);
    expect(cropBox(480, 270, 720, 1280, 7).left).toBeCloseTo(1 - w, 3);
    // A feed narrower than the output: top and bottom go, centred.
    expect(cropBox(270, 480, 1280, 720, 0.2)).toMatchObject({ left: 0, width: 1 });
    expect(cropBox(270, 480, 1280, 720, 0.2).top).toBeCloseTo((1 - (270 * 720) / 1280 / 480) / 2, 3);
    expect(cropBox(0, 0, 720, 1280, 0.5)).toEqual({ left: 0, width: 1, top: 0, height: 1 });
  });
  it("follows a drag: the window's middle goes where the pointer is, within the edges", () => {
    expect(cropAt(0.5, 0.3)).toBeCloseTo(0.5);
    expect(cropAt(0.15, 0.3)).toBe(0);
    expect(cropAt(0.0, 0.3)).toBe(0);
    expect(cropAt(0.85, 0.3)).toBeCloseTo(1);
    expect(cropAt(0.99, 0.3)).toBe(1);
    expect(cropAt(0.3, 1)).toBe(0.5);
  });
  it("appears in the edit form of a cropped destination, with the feed's still", () => {
    const f = pictureFields(PICTURES.vertical_crop, true, "second");
    expect(f).toContain('data-testid="crop-view"');
    expect(f).toContain("/api/v1/feeds/second/preview.jpg");
    expect(pictureFields(PICTURES.cap_720, true)).not.toContain("crop-view");
  });
});


describe("program preview", () => {
  it("stays about a second behind: jumps ahead only when it falls more than 1.5 s back", () => {
    expect(catchUp(10, null)).toBeNull();
    expect(catchUp(10, 11.4)).toBeNull();
    expect(catchUp(10, 12)).toBeCloseTo(11.7);
  });
  it("shows the audio level from -60 dBFS to full scale", () => {
    expect(meterPercent(0)).toBe(0);
    expect(meterPercent(0.001)).toBe(0);
    expect(meterPercent(1)).toBe(100);
    expect(meterPercent(0.1)).toBeCloseTo(66.7, 1);
  });
});


describe("alert channels panel", () => {
  it("reads and writes one channel's kinds without touching the others' rules", () => {
    const rules = [
      { kinds: ["feed_lost", "show_started"], channels: [1, 2] },
      { kinds: ["tip"], channels: [2] },
    ];
    expect(kindsFor(rules, 1).sort()).toEqual(["feed_lost", "show_started"]);
    expect(kindsFor(rules, 2).sort()).toEqual(["feed_lost", "show_started", "tip"]);
    const next = withKinds(rules, 1, ["destination_failed"]);
    expect(kindsFor(next, 1)).toEqual(["destination_failed"]);
    expect(kindsFor(next, 2).sort()).toEqual(["feed_lost", "show_started", "tip"]);
    expect(withKinds(rules, 2, [])).toEqual([{ kinds: ["feed_lost", "show_started"], channels: [1] }]);
    expect(kindsFor(withKinds([], 5, []), 5)).toEqual([]);
  });
});
