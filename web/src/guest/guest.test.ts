import { describe, expect, it } from "vitest";
import { DISCONNECT_GRACE_MS, errorMessage, onConnectionState, replacedSession, reportEnds, stillDown, whipRefusal } from "./session";
import { applyLevel, kbpsBetween, qualityKey, readStats } from "./stats";
import { deviceLabel, endedText, liveText, otherCaption, qualityText, refusedText } from "./text";
import { statsReport, tokenOf, whepOffer, whipOffer } from "./whip";

describe("the join page's session decisions", () => {
  it("goes live on connected, starts over on failed, waits on disconnected", () => {
    expect(onConnectionState("connected", true, true)).toBe("live");
    expect(onConnectionState("failed", true, true)).toBe("reconnect");
    expect(onConnectionState("disconnected", true, true)).toBe("wait");
    expect(onConnectionState("connecting", true, true)).toBe("none");
    expect(DISCONNECT_GRACE_MS).toBe(3000);
  });
  it("ignores a connection it has replaced, and any after the guest left", () => {
    expect(onConnectionState("failed", false, true)).toBe("none");
    expect(onConnectionState("failed", true, false)).toBe("none");
    expect(onConnectionState("connected", false, true)).toBe("none");
  });
  it("starts over after the grace only if the same connection is still down", () => {
    expect(stillDown("disconnected", true)).toBe(true);
    expect(stillDown("connected", true)).toBe(false);
    expect(stillDown("disconnected", false)).toBe(false);
  });
  it("takes the place of the session in its resource", () => {
    expect(replacedSession("/whip/tok.en/abc123")).toBe("abc123");
    expect(replacedSession(null)).toBeNull();
  });
  it("ends on a 403 only after having joined; shows anything else", () => {
    expect(whipRefusal(403, true, "invite revoked")).toEqual({ ended: true, why: "invite revoked" });
    expect(whipRefusal(403, false, "used up")).toEqual({ ended: false, message: "used up", status: 403 });
    expect(whipRefusal(500, true, null)).toEqual({ ended: false, message: null, status: 500 });
    expect(reportEnds(403)).toBe(true);
    expect(reportEnds(404)).toBe(false);
  });
  it("reads the box's error message, if any", () => {
    expect(errorMessage({ error: { code: "forbidden", message: "no" } })).toBe("no");
    expect(errorMessage({ error: { message: 3 } })).toBeNull();
    expect(errorMessage(null)).toBeNull();
    expect(errorMessage("x")).toBeNull();
  });
});

describe("the join page's requests", () => {
  it("offers over WHIP with the trimmed name, and X-Replaces only on a reconnect", () => {
    const first = whipOffer("t0k", "  Ana  ", null, "v=0\r\n");
    expect(first.url).toBe("/whip/t0k");
    expect(first.init).toEqual({ method: "POST", headers: { "Content-Type": "application/sdp", "X-Guest-Name": "Ana" }, body: "v=0\r\n" });
    const again = whipOffer("t0k", "Ana", "abc", "v=0\r\n");
    expect((again.init.headers as Record<string, string>)["X-Replaces"]).toBe("abc");
  });
  it("reports stats to the session's resource", () => {
    const r = statsReport("/whip/t/s1", { rtt_ms: 12, available_kbps: null, limited_by: "bandwidth" });
    expect(r.url).toBe("/whip/t/s1/stats");
    expect(r.init.method).toBe("POST");
    expect(JSON.parse(r.init.body as string)).toEqual({ rtt_ms: 12, available_kbps: null, limited_by: "bandwidth" });
  });
  it("plays another guest with its view token, escaped", () => {
    expect(whepOffer("g1", "a+b/c", "sdp").url).toBe("/whep/guests/g1?k=a%2Bb%2Fc");
    expect(whepOffer("g1", undefined, "sdp").url).toBe("/whep/guests/g1?k=");
  });
  it("takes the token from the page's path", () => {
    expect(tokenOf("/join/abc.DEF_1")).toBe("abc.DEF_1");
  });
});

describe("the join page's stats", () => {
  it("prefers the nominated pair's round trip, else the remote's", () => {
    const pair = { type: "candidate-pair", nominated: true, currentRoundTripTime: 0.025, availableOutgoingBitrate: 1_234_567 };
    const remote = { type: "remote-inbound-rtp", roundTripTime: 0.08 };
    const out = [
      { type: "outbound-rtp", kind: "video", bytesSent: 1000, qualityLimitationReason: "bandwidth" },
      { type: "outbound-rtp", kind: "audio", bytesSent: 500 },
    ];
    expect(readStats([remote, pair, ...out])).toEqual({ report: { rtt_ms: 25, available_kbps: 1235, limited_by: "bandwidth" }, bytes: 1500 });
    expect(readStats([remote, { ...pair, currentRoundTripTime: undefined }]).report.rtt_ms).toBe(80);
    expect(readStats([{ type: "candidate-pair", nominated: false, currentRoundTripTime: 0.01 }]).report).toEqual({ rtt_ms: null, available_kbps: null, limited_by: null });
  });
  it("counts kb/s between readings", () => {
    expect(kbpsBetween(null, 5000, 1000)).toBe(0);
    expect(kbpsBetween({ bytes: 0, at: 0 }, 125_000, 1000)).toBe(1000);
  });
  it("caps the sender as the level says", () => {
    const q = { name: "low", max_bitrate_kbps: 600, scale: 2, max_fps: 24 };
    expect(applyLevel({}, q)).toEqual({ maxBitrate: 600_000, scaleResolutionDownBy: 2, maxFramerate: 24 });
    expect(qualityKey(q)).toBe(qualityKey({ ...q, name: "other" }));
    expect(qualityKey(q)).not.toBe(qualityKey({ ...q, max_fps: 30 }));
  });
});

describe("the join page's text", () => {
  it("says it in English", () => {
    expect(liveText(850, 23.4, "en")).toBe("You're live · 850 kb/s · 23 ms");
    expect(liveText(0, null, "en")).toBe("You're live · 0 kb/s");
    expect(qualityText({ name: "medium", max_bitrate_kbps: 1200, scale: 1.5, max_fps: 30 }, "en")).toBe("Quality: medium (up to 1200 kb/s)");
    expect(otherCaption("Host", true, "en")).toBe("Host (host)");
    expect(otherCaption("Ana", false, "en")).toBe("Ana");
    expect(deviceLabel("videoinput", "", 1, "en")).toBe("Camera 2");
    expect(deviceLabel("audioinput", "USB mic", 0, "en")).toBe("USB mic");
    expect(endedText(null, "en")).toBe("Your session ended: the host revoked the invite");
    expect(endedText("invite revoked", "en")).toBe("Your session ended: invite revoked");
    expect(refusedText(null, 503, "en")).toBe("The box refused (503)");
    expect(refusedText("used up", 403, "en")).toBe("used up");
  });
  it("and in Portuguese", () => {
    expect(liveText(850, 23.4, "pt-BR")).toBe("Você está ao vivo · 850 kb/s · 23 ms");
    expect(qualityText({ name: "low", max_bitrate_kbps: 600, scale: 2, max_fps: 24 }, "pt-BR")).toBe("Qualidade: baixa (até 600 kb/s)");
    expect(qualityText({ name: "ultra", max_bitrate_kbps: 9000, scale: 1, max_fps: 60 }, "pt-BR")).toBe("Qualidade: ultra (até 9000 kb/s)");
    expect(otherCaption("Host", true, "pt-BR")).toBe("Host (apresentador)");
    expect(deviceLabel("audioinput", "", 0, "pt-BR")).toBe("Microfone 1");
    expect(endedText(null, "pt-BR")).toBe("Sua sessão terminou: o apresentador revogou o convite");
    expect(refusedText(null, 500, "pt-BR")).toBe("A caixa recusou (500)");
  });
});
