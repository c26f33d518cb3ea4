// The host's talkback: the dashboard publishes the host's camera and microphone over WHIP, so
// guests see and hear the host (their page plays every other participant).
import { api } from "../api";
import type { Dispatcher } from "../dispatch";
import { t, tf } from "../i18n";
import { esc, run, toast } from "../ui";

let pc: RTCPeerConnection | null = null;
let resource: string | null = null;
let stream: MediaStream | null = null;

export function talkbackHtml(): string {
  return `<div class="talkback"><button class="small" data-act="talk" data-testid="talkback">${esc(t("talk.start"))}</button>
    <details><summary>${esc(t("talk.ice"))}</summary>
      <form class="app-form" data-testid="ice-form">
        <input name="stun_url" placeholder="stun:stun.example.org:3478" />
        <input name="turn_url" placeholder="turn:turn.example.org:3478" />
        <input name="turn_username" placeholder="${esc(t("talk.turnUser"))}" autocomplete="off" />
        <input name="turn_password" type="password" placeholder="${esc(t("talk.turnPassword"))}" autocomplete="off" />
        <button class="small">${esc(t("common.save"))}</button>
      </form>
    </details></div>`;
}

export function initTalkback(app: HTMLElement, acts: Dispatcher) {
  acts.on("talk", (b) => run(() => (pc ? stop(b) : start(b))));
  app.addEventListener("submit", (e) => {
    const form = e.target as HTMLFormElement;
    if (form.dataset.testid !== "ice-form") return;
    e.preventDefault();
    const f = new FormData(form);
    const body: Record<string, unknown> = {};
    for (const k of ["stun_url", "turn_url", "turn_username", "turn_password"]) body[k] = f.get(k) || null;
    run(() => api("PUT", "/guests/ice", body).then(() => toast(t("talk.saved"))));
  });
  api<Record<string, string | null> & { turn_password_set?: boolean }>("GET", "/guests/ice")
    .then((c) => {
      const form = app.querySelector<HTMLFormElement>("[data-testid=ice-form]");
      if (!form) return;
      for (const k of ["stun_url", "turn_url", "turn_username"]) (form.elements.namedItem(k) as HTMLInputElement).value = String(c[k] ?? "");
      if (c.turn_password_set) (form.elements.namedItem("turn_password") as HTMLInputElement).placeholder = t("talk.turnPasswordSet");
    })
    .catch(() => {});
}

async function start(b: HTMLElement) {
  const { token } = await api<{ token: string }>("POST", "/guests/talkback");
  stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 360 } }, audio: true });
  pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: "sendonly", streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((r) => {
    if (pc!.iceGatheringState === "complete") return r();
    pc!.addEventListener("icegatheringstatechange", () => pc!.iceGatheringState === "complete" && r());
    setTimeout(r, 2000);
  });
  const res = await fetch(`/whip/${token}`, { method: "POST", headers: { "Content-Type": "application/sdp", "X-Guest-Name": "Host" }, body: pc.localDescription!.sdp });
  if (!res.ok) {
    await stop(b);
    throw new Error(tf("talk.refused", { status: String(res.status) }));
  }
  resource = res.headers.get("Location");
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  b.textContent = t("talk.stop");
  b.classList.add("on");
  toast(t("talk.on"));
}

async function stop(b: HTMLElement) {
  if (resource) await fetch(resource, { method: "DELETE" }).catch(() => {});
  pc?.close();
  stream?.getTracks().forEach((t) => t.stop());
  pc = null;
  stream = null;
  resource = null;
  b.textContent = t("talk.start");
  b.classList.remove("on");
}
