import { describe, expect, it } from "vitest";
import { bytes, duration, headline, kbps, maskKey, pushSample, stateLabel } from "./format";

describe("format", () => {
  it("durations", () => {
    expect(duration(0)).toBe("00:00");
    expect(duration(65)).toBe("01:05");
    expect(duration(3 * 3600 + 7)).toBe("3:00:07");
    expect(duration(null)).toBe("—");
  });
  it("bitrates and bytes", () => {
    expect(kbps(0)).toBe("0 kb/s");
    expect(kbps(950)).toBe("950 kb/s");
    expect(kbps(6200)).toBe("6.2 Mb/s");
    expect(bytes(1_500_000)).toBe("1.5 MB");
    expect(bytes(999)).toBe("999 B");
  });
  it("headline reflects the worst destination", () => {
    expect(headline(false, false, ["live"]).tone).toBe("off");
    expect(headline(true, true, ["live"], "en").text).toContain("PAUSED");
    expect(headline(true, false, ["live", "reconnecting"]).tone).toBe("warn");
    expect(headline(true, false, ["live", "failed", "reconnecting"], "en").text).toBe("LIVE — 1 FAILED");
    expect(headline(true, false, ["live", "live"], "en")).toEqual({ text: "LIVE", tone: "live" });
  });
  it("headline and states speak the reader's language", () => {
    expect(headline(true, false, ["live", "failed", "failed"], "en").text).toBe("LIVE — 2 FAILED");
    expect(headline(true, false, ["live", "failed", "failed"], "pt-BR").text).toBe("AO VIVO — 2 COM FALHA");
    expect(headline(false, false, [], "pt-BR").text).toBe("FORA DO AR");
    expect(stateLabel("reconnecting", "pt-BR")).toBe("Reconectando");
    expect(stateLabel("idle", "en")).toBe("Idle");
  });
  it("sparkline series are bounded", () => {
    let s: number[] = [];
    for (let i = 0; i < 100; i++) s = pushSample(s, i, 10);
    expect(s).toHaveLength(10);
    expect(s[9]).toBe(99);
  });
  it("keys are masked", () => {
    expect(maskKey("live_123456789_abcdef")).not.toContain("123456789");
    expect(maskKey("abc")).toBe("•••");
  });
});
