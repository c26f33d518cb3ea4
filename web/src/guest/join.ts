// The guest's page (/join/{token}): camera and microphone, a WHIP session with the box, the other
// people on the show as WHEP players. The decisions live in session.ts, the requests in whip.ts, the
// stats in stats.ts; this file is the page's wiring.
import { t, tf } from "../i18n";
import { DISCONNECT_GRACE_MS, RETRY_MS, errorMessage, onConnectionState, replacedSession, reportEnds, stillDown, whipRefusal } from "./session";
import { applyLevel, kbpsBetween, qualityKey, readStats, type StatsEntry } from "./stats";
import { deviceLabel, endedText, liveText, otherCaption, qualityText, refusedText } from "./text";
import { statsReport, tokenOf, whepOffer, whipOffer, type Other, type Quality, type Report, type ReportAnswer } from "./whip";

// Hooks for the browser tests (tests/browser/guests.test.mjs).
declare global {
  interface Window {
    __reconnect: () => Promise<void>;
    __report: (body: Report) => Promise<ReportAnswer>;
    __senderParams: () => RTCRtpEncodingParameters | undefined;
    /** Set by a test that sends its own reports: the page then sends none. */
    __holdReports?: boolean;
  }
}

interface Config {
  /** STUN/TURN servers set on the box (none on a LAN). */
  iceServers: RTCIceServer[];
  /** What the host's invite lets this guest send; the box refuses anything else. */
  permissions: { audio: boolean; video: boolean; screen: boolean };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const token = tokenOf(location.pathname);
const config = JSON.parse($("join-config").textContent ?? "{}") as Config;
const { iceServers, permissions: perms } = config;

const cam = $<HTMLSelectElement>("cam"), mic = $<HTMLSelectElement>("mic"), screen = $<HTMLButtonElement>("screen");
const joinButton = $<HTMLButtonElement>("join"), leaveButton = $<HTMLButtonElement>("leave"), state = $("state"), quality = $("quality");

document.title = t("join.title");
$("invited").textContent = t("join.invited");
$("meter").title = t("join.micLevel");
cam.setAttribute("aria-label", t("join.camera"));
mic.setAttribute("aria-label", t("join.microphone"));
screen.textContent = t("join.shareScreen");
$<HTMLInputElement>("name").placeholder = t("join.namePlaceholder");
joinButton.textContent = t("join.join");
leaveButton.textContent = t("join.leave");

let stream: MediaStream | undefined, screenTrack: MediaStreamTrack | null = null, pc: RTCPeerConnection | null = null, resource: string | null = null;
let statsTimer: ReturnType<typeof setInterval> | undefined, wantLive = false, joinedOnce = false;
// The session a reconnect takes the place of.
let replacing: string | null = null;
cam.hidden = !perms.video;
mic.hidden = $("meter").hidden = !perms.audio;
screen.hidden = !perms.screen;
// The tracks sent: the microphone, and the shared screen in place of the camera while sharing.
const outgoing = (): MediaStreamTrack[] => [...(stream?.getAudioTracks() ?? []), ...(screenTrack ? [screenTrack] : (stream?.getVideoTracks() ?? []))];

function setState(text: string, cls = "") {
  state.textContent = text;
  state.className = cls;
}

async function devices() {
  const list = await navigator.mediaDevices.enumerateDevices();
  for (const [sel, kind] of [[cam, "videoinput"], [mic, "audioinput"]] as const) {
    sel.replaceChildren(...list.filter((d) => d.kind === kind).map((d, i) => new Option(deviceLabel(kind, d.label, i), d.deviceId)));
  }
}

async function openMedia() {
  stream?.getTracks().forEach((tr) => tr.stop());
  stream =
    perms.video || perms.audio
      ? await navigator.mediaDevices.getUserMedia({
          video: perms.video && { deviceId: cam.value || undefined, width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: perms.audio && { deviceId: mic.value || undefined },
        })
      : new MediaStream();
  showPreview();
  if (!perms.audio) return;
  const ctx = new AudioContext();
  const an = ctx.createAnalyser();
  ctx.createMediaStreamSource(stream).connect(an);
  const buf = new Uint8Array(an.fftSize);
  const level = $("level");
  const draw = () => {
    an.getByteTimeDomainData(buf);
    let peak = 0;
    for (const v of buf) peak = Math.max(peak, Math.abs(v - 128));
    level.style.width = `${Math.min(100, (peak / 128) * 200)}%`;
    requestAnimationFrame(draw);
  };
  draw();
}

function showPreview() {
  $<HTMLVideoElement>("preview").srcObject = new MediaStream(outgoing().filter((tr) => tr.kind === "video"));
}

async function toggleScreen() {
  if (screenTrack) return stopScreen();
  const shared = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: false });
  screenTrack = shared.getVideoTracks()[0];
  screenTrack.onended = stopScreen;
  screen.textContent = t("join.stopSharing");
  await switchVideo();
}

async function stopScreen() {
  screenTrack?.stop();
  screenTrack = null;
  screen.textContent = t("join.shareScreen");
  await switchVideo();
}

// A live guest swaps the tracks it sends without a new session when it has one to swap; otherwise
// (a guest joining with microphone only, or leaving a screen-only share) it joins again.
async function switchVideo() {
  showPreview();
  joinButton.disabled = wantLive || outgoing().length === 0;
  if (!pc) return;
  const live = pc;
  const sender = (kind: string) => live.getTransceivers().find((tr) => tr.receiver.track.kind === kind)?.sender;
  const video = outgoing().find((tr) => tr.kind === "video"),
    audio = outgoing().find((tr) => tr.kind === "audio");
  const audioSender = sender("audio"),
    videoSender = sender("video");
  if (audio && audioSender) await audioSender.replaceTrack(audio);
  if (video && videoSender) await videoSender.replaceTrack(video);
  else if (video || videoSender) {
    clearInterval(statsTimer);
    if (resource) fetch(resource, { method: "DELETE" }).catch(() => {});
    live.close();
    pc = null;
    if (outgoing().length) await join();
  }
}

async function join() {
  wantLive = true;
  joinButton.disabled = true;
  leaveButton.disabled = false;
  setState(t("join.connecting"));
  const mine = (pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers }));
  const out = new MediaStream(outgoing());
  for (const tr of out.getTracks()) mine.addTransceiver(tr, { direction: "sendonly", streams: [out] });
  await mine.setLocalDescription(await mine.createOffer());
  await gathered(mine);
  const offer = whipOffer(token, $<HTMLInputElement>("name").value, replacing, mine.localDescription?.sdp ?? "");
  const res = await fetch(offer.url, offer.init);
  if (!res.ok) {
    const refusal = whipRefusal(res.status, joinedOnce, errorMessage(await res.json().catch(() => null)));
    if (refusal.ended) return ended(refusal.why);
    setState(refusedText(refusal.message, refusal.status), "bad");
    joinButton.disabled = false;
    leaveButton.disabled = true;
    wantLive = false;
    return;
  }
  resource = res.headers.get("Location");
  joinedOnce = true;
  replacing = null;
  await mine.setRemoteDescription({ type: "answer", sdp: await res.text() });
  mine.addEventListener("connectionstatechange", () => {
    const action = onConnectionState(mine.connectionState, mine === pc, wantLive);
    if (action === "live") setState(t("join.live"), "live");
    if (action === "reconnect") lost();
    if (action === "wait") setTimeout(() => stillDown(mine.connectionState, mine === pc) && lost(), DISCONNECT_GRACE_MS);
  });
  statsTimer = setInterval(showQuality, 1000);
}

function lost() {
  setState(t("join.lost"), "bad");
  reconnect();
}

// ICE candidates gathered (or 2 s passed): the offer then carries them all.
function gathered(c: RTCPeerConnection): Promise<void> {
  return new Promise((done) => {
    if (c.iceGatheringState === "complete") return done();
    c.addEventListener("icegatheringstatechange", () => c.iceGatheringState === "complete" && done());
    setTimeout(done, 2000);
  });
}

let last: { bytes: number; at: number } | null = null,
  applied = "";
async function showQuality() {
  if (!pc || pc.connectionState !== "connected") return;
  const { report, bytes } = readStats((await pc.getStats()).values() as Iterable<StatsEntry>);
  const now = performance.now();
  const kbps = kbpsBetween(last, bytes, now);
  last = { bytes, at: now };
  setState(liveText(kbps, report.rtt_ms), "live");
  if (window.__holdReports || !resource) return;
  // Tell the box what the browser sees; it answers with what to send and who else is on.
  try {
    const req = statsReport(resource, report);
    const r = await fetch(req.url, req.init);
    if (r.ok) {
      const a = (await r.json()) as ReportAnswer;
      await applyQuality(a.quality);
      syncOthers(a.others);
    } else if (reportEnds(r.status)) {
      // The host revoked the invite: the session is over, no reconnecting.
      ended(errorMessage(await r.json().catch(() => null)));
    }
  } catch {
    // The next report, a second later, tries again.
  }
}

window.__report = async (body) => {
  const req = statsReport(resource ?? "", body);
  const a = (await (await fetch(req.url, req.init)).json()) as ReportAnswer;
  await applyQuality(a.quality);
  return a;
};

const videoSender = () => pc?.getSenders().find((s) => s.track?.kind === "video");

async function applyQuality(q: Quality) {
  quality.textContent = qualityText(q);
  quality.dataset.level = q.name;
  const key = qualityKey(q);
  if (key === applied || !pc) return;
  const sender = videoSender();
  if (!sender) return;
  const p = sender.getParameters();
  if (!p.encodings?.length) p.encodings = [{}];
  applyLevel(p.encodings[0], q);
  await sender.setParameters(p);
  applied = key;
}

window.__senderParams = () => videoSender()?.getParameters().encodings?.[0];

// The other people on the show (guests and the host's talkback), each a WHEP player.
interface Player {
  el: HTMLElement;
  pc: RTCPeerConnection | null;
  resource: string | null;
  /** The newest view token for this person (the host may have made new ones): a reconnect uses it. */
  k?: string;
  hangUp: () => void;
}
const players = new Map<string, Player>();

function syncOthers(list: Other[]) {
  const want = new Set(list.map((o) => o.id));
  for (const [id, p] of players)
    if (!want.has(id)) {
      p.hangUp();
      p.pc?.close();
      p.el.remove();
      players.delete(id);
    }
  for (const o of list) if (!players.has(o.id)) players.set(o.id, watch(o));
  for (const o of list) players.get(o.id)!.k = o.k;
}

function watch(o: Other): Player {
  const el = document.createElement("figure");
  el.dataset.guest = o.id;
  const v = document.createElement("video");
  v.autoplay = true;
  v.playsInline = true;
  v.dataset.testid = "other-video";
  const caption = document.createElement("figcaption");
  caption.textContent = otherCaption(o.name, o.host);
  el.append(v, caption);
  $("others").append(el);
  const p: Player = {
    el,
    pc: null,
    resource: null,
    k: o.k,
    hangUp: () => {
      if (p.resource) fetch(p.resource, { method: "DELETE", keepalive: true }).catch(() => {});
      p.resource = null;
    },
  };
  const play = async () => {
    if (!players.has(o.id) && p.pc) return;
    p.hangUp();
    p.pc?.close();
    const w = (p.pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers }));
    w.addTransceiver("video", { direction: "recvonly" });
    w.addTransceiver("audio", { direction: "recvonly" });
    const ms = new MediaStream();
    w.ontrack = (e) => {
      ms.addTrack(e.track);
      v.srcObject = ms;
    };
    await w.setLocalDescription(await w.createOffer());
    await gathered(w);
    const offer = whepOffer(o.id, p.k, w.localDescription?.sdp ?? "");
    const res = await fetch(offer.url, offer.init);
    if (!res.ok) throw new Error(`WHEP ${res.status}`);
    p.resource = res.headers.get("Location");
    await w.setRemoteDescription({ type: "answer", sdp: await res.text() });
    w.onconnectionstatechange = () => {
      if (w.connectionState === "failed" && players.get(o.id) === p) setTimeout(() => play().catch(() => {}), 2000);
    };
  };
  play().catch(() => setTimeout(() => players.get(o.id) === p && play().catch(() => {}), 2000));
  return p;
}

function leave() {
  wantLive = false;
  clearInterval(statsTimer);
  syncOthers([]);
  if (resource) fetch(resource, { method: "DELETE" }).catch(() => {});
  pc?.close();
  pc = null;
  resource = null;
  joinButton.disabled = false;
  leaveButton.disabled = true;
  setState(t("join.left"));
}

function ended(why: string | null) {
  wantLive = false;
  clearInterval(statsTimer);
  syncOthers([]);
  pc?.close();
  pc = null;
  resource = null;
  joinButton.disabled = true;
  leaveButton.disabled = true;
  setState(endedText(why), "bad ended");
}

async function reconnect() {
  if (!wantLive) return;
  // The box keeps this session's place for the new connection.
  replacing = replacedSession(resource) ?? replacing;
  clearInterval(statsTimer);
  pc?.close();
  pc = null;
  try {
    await join();
  } catch {
    setTimeout(reconnect, RETRY_MS);
  }
}
window.__reconnect = reconnect;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
joinButton.onclick = () =>
  join().catch((e) => {
    setState(String(e), "bad");
    joinButton.disabled = false;
  });
leaveButton.onclick = leave;
cam.onchange = mic.onchange = () => openMedia().then(switchVideo);
screen.onclick = () => toggleScreen().catch((e) => setState(tf("join.screenUnavailable", { error: message(e) }), "bad"));
addEventListener("pagehide", () => {
  for (const p of players.values()) p.hangUp();
  if (resource) fetch(resource, { method: "DELETE", keepalive: true });
});

setState(t("join.allow"));
try {
  await openMedia();
  await devices();
  joinButton.disabled = outgoing().length === 0;
  setState(outgoing().length ? t("join.ready") : t("join.shareToBegin"));
} catch (e) {
  setState(tf("join.mediaUnavailable", { error: message(e) }), "bad");
}
