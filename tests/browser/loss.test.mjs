// A guest and a viewer on a lossy network: every UDP packet on the loopback of a network namespace
// of the test's own has a 5 % chance to be dropped (an nftables rule: this machine's kernel has no
// `netem`), the box, both Chromiums and this script inside it. Lost video packets are asked for again on both legs (RTCP NACK) and resent (RTX): the
// box asks the guest, the viewer asks the box, which resends from what it sent. Figures from both
// browsers' own getStats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { apiClient, browser, startDaemon } from "./harness.mjs";

const LOSS = 5;
const SECS = 20;

/** Wraps RTCPeerConnection so the test can read the page's own connection's statistics. */
function keepConnections() {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
}

/** The page's video RTP statistics of `type` (outbound-rtp or inbound-rtp), summed over its connections. */
function videoStats(type) {
  return (async () => {
    const out = {};
    for (const pc of window.__pcs ?? []) {
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type !== type || s.kind !== "video") return;
        for (const k of ["packetsSent", "packetsReceived", "packetsLost", "nackCount", "retransmittedPacketsSent", "retransmittedPacketsReceived", "framesDecoded", "freezeCount", "totalFreezesDuration", "pliCount", "keyFramesDecoded"]) {
          if (typeof s[k] === "number") out[k] = (out[k] ?? 0) + s[k];
        }
      });
    }
    return out;
  })();
}

/** Inside the namespace: the show, then one line of JSON with both browsers' figures. */
async function inside() {
  const box = await startDaemon({ password: "loss-pass-123" });
  const api = await apiClient(box, "loss-pass-123");
  const br = await browser({ fakeMedia: true });
  try {
    const inv = await api("POST", "/api/v1/guests/invites", { name: "Lossy", expires_in_s: 3600, max_uses: 1, permissions: { audio: true, video: true, screen: false } });
    const guest = await br.newPage();
    await guest.addInitScript(keepConnections);
    await guest.goto(inv.json.url.replace(/^http:\/\/[^/]+/, box.url));
    await guest.fill("[data-testid=guest-name]", "Lossy");
    await guest.click("[data-testid=join]");
    await guest.waitForSelector("#state.live", { timeout: 30000 });
    let g = null;
    for (let i = 0; i < 120 && !g; i++) {
      g = (await api("GET", "/api/v1/guests")).json.find((x) => x.state === "live" && x.fps > 0) ?? null;
      if (!g) await new Promise((r) => setTimeout(r, 250));
    }
    if (!g) throw new Error("the guest never went live");
    const k = (await api("GET", "/api/v1/guests/view-links")).json.guests.find((x) => x.id === g.id).token;
    const viewer = await br.newPage();
    await viewer.addInitScript(keepConnections);
    await viewer.goto(`${box.url}/guest/${g.id}/view?k=${encodeURIComponent(k)}`);
    await viewer.waitForFunction(() => document.querySelector("video")?.videoWidth > 0, null, { timeout: 30000 });
    await new Promise((r) => setTimeout(r, SECS * 1000));
    const sent = await guest.evaluate(videoStats, "outbound-rtp");
    const got = await viewer.evaluate(videoStats, "inbound-rtp");
    console.log(JSON.stringify({ sent, got }));
  } finally {
    await br.close();
    box.stop();
  }
}

const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

if (process.env.ONAIR_IN_NETNS) {
  await inside();
  process.exit(0);
} else {
  test(`guest → box → viewer with ${LOSS} % of packets lost each way: NACK and RTX on both legs`, { timeout: 180000 }, () => {
    const ns = `onair-loss-${process.pid}`;
    spawnSync("ip", ["netns", "del", ns]);
    sh("ip", ["netns", "add", ns]);
    try {
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
      // An address besides loopback: browsers gather no ICE candidate on a loopback-only host.
      // (This kernel has no dummy interfaces: one end of a veth pair, both ends in the namespace.)
      sh("ip", ["-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
      sh("ip", ["-n", ns, "addr", "add", "10.99.0.1/24", "dev", "v0"]);
      sh("ip", ["-n", ns, "link", "set", "v0", "up"]);
      sh("ip", ["-n", ns, "link", "set", "v1", "up"]);
      const nft = (...a) => sh("ip", ["netns", "exec", ns, "nft", ...a]);
      nft("add", "table", "inet", "loss");
      nft("add", "chain", "inet", "loss", "out", "{ type filter hook output priority 0; }");
      nft("add", "rule", "inet", "loss", "out", "meta", "l4proto", "udp", "numgen", "random", "mod", "100", "<", String(LOSS), "counter", "drop");
      const r = spawnSync("ip", ["netns", "exec", ns, "env", "ONAIR_IN_NETNS=1", process.execPath, fileURLToPath(import.meta.url)], { encoding: "utf8", timeout: 150000 });
      const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
      assert.ok(line, `no figures from inside the namespace (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
      const { sent, got } = JSON.parse(line);
      const dropped = sh("ip", ["netns", "exec", ns, "nft", "list", "chain", "inet", "loss", "out"]).match(/packets (\d+)/)?.[1];
      console.log(`the network dropped ${dropped} UDP packets`);
      console.log(`guest sent ${sent.packetsSent} video packets, the box asked for ${sent.nackCount} again, the guest resent ${sent.retransmittedPacketsSent}`);
      console.log(`viewer: ${got.packetsReceived} received, ${got.packetsLost} lost, asked the box ${got.nackCount} times, ${got.retransmittedPacketsReceived ?? "?"} resent to it; ${got.framesDecoded} frames decoded, ${got.freezeCount} freezes (${got.totalFreezesDuration} s), ${got.pliCount} keyframe requests`);
      assert.ok(sent.nackCount > 0 && sent.retransmittedPacketsSent > 0, `the box asked the guest for lost packets and got them: ${JSON.stringify(sent)}`);
      assert.ok(got.nackCount > 0, `the viewer asked the box for lost packets: ${JSON.stringify(got)}`);
      if (got.retransmittedPacketsReceived !== undefined) assert.ok(got.retransmittedPacketsReceived > 0, `the box resent to the viewer: ${JSON.stringify(got)}`);
      // (Not a rate: on a loaded machine the debug build decodes fewer; the counts above are the point.)
      assert.ok(got.framesDecoded > SECS * 3, `the picture went on: ${JSON.stringify(got)}`);
    } finally {
      spawnSync("ip", ["netns", "del", ns]);
    }
  });
}
