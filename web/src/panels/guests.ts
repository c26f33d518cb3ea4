// Guests: invites, the guests on (quality, stats, actions), their view links, and the talkback.
import { api } from "../api";
import type { GuestInfo } from "../api/GuestInfo";
import type { ShowStatus } from "../api/ShowStatus";
import { kbps } from "../format";
import { t, tf } from "../i18n";
import { initTalkback, talkbackHtml } from "./talkback";
import { esc, run, toast } from "../ui";
import { gridStreamUrl, gridViewUrl, guestStreamUrl, guestViewPath, guestViewUrl, loadViewLinks, rotateViewLinks } from "../viewlinks";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;

/** One guest's row (pure: unit-tested). */
export function guestRow(g: GuestInfo): string {
  return `<div class="guest" data-guest="${esc(g.id)}" data-testid="guest-row">
        <b>${esc(g.name)}</b>${g.host ? ` <span class="dim">${esc(t("guests.youTalkback"))}</span>` : ""} <span class="badge ${g.state === "live" ? "live" : "connecting"}">${esc(g.state)}</span>
        <span class="quality q-${esc(g.quality)}" data-testid="guest-quality" title="${esc(t("guests.qualityHint"))}">${esc(g.quality)} · ≤${g.max_bitrate_kbps} kb/s${g.available_kbps ? ` · ${esc(tf("guests.estimate", { kbps: String(g.available_kbps) }))}` : ""}</span>
        <div class="dest-stats"><span>${kbps(g.kbps)}</span><span>${g.width ?? "?"}×${g.height ?? "?"} · ${g.fps} fps</span>
        <span>${g.rtt_ms != null ? `${g.rtt_ms} ms` : esc(t("guests.rttNa"))}</span><span>${esc(tf("guests.jitter", { ms: String(g.jitter_ms ?? "?") }))}</span><span>${esc(tf("guests.loss", { pct: String(g.loss_pct ?? 0) }))}</span><span>${esc(tf("guests.viewing", { n: String(g.viewers) }))}</span></div>
        <div class="dest-actions">
          <button class="small" data-act="gmute" data-on="${g.muted_audio ? "1" : "0"}">${esc(t(g.muted_audio ? "guests.unmute" : "guests.mute"))}</button>
          <button class="small" data-act="gscene" data-name="${esc(g.name)}">${esc(t("guests.addToScene"))}</button>
          <a class="small" href="${esc(guestViewPath(g.id) ?? "#")}" target="_blank" data-testid="guest-view-link">${esc(t("guests.view"))}</a>
          <button class="ghost small" data-act="gcopy" data-testid="copy-view-link">${esc(t("guests.copyView"))}</button>
          <button class="ghost small" data-act="gcopystream" data-testid="copy-stream-link" title="${esc(t("guests.copyStreamHint"))}">${esc(t("guests.copyStream"))}</button>
          <button class="ghost small" data-act="gremove">${esc(t("guests.remove"))}</button>
        </div></div>`;
}

export function renderGuests(box: HTMLElement, gs: GuestInfo[], fetched = false) {
  // A guest new to the dashboard: its view link (with its token) comes from the box.
  if (!fetched && gs.some((g) => !guestViewPath(g.id))) loadViewLinks().then(() => renderGuests(box, gs, true)).catch(() => {});
  box.innerHTML = gs.length ? gs.map(guestRow).join("") : `<p class="empty">${esc(t("guests.none"))}</p>`;
}

/** A guest (or `grid`) into the current OBS scene, as whichever source that OBS can show. */
function addToScene(guest: string, name: string) {
  run(() =>
    api<{ current: string }>("GET", "/obs/scenes")
      .then((sc) => api<{ kind: string }>("POST", "/obs/guest-source", { scene: sc.current, guest, name }))
      .then((r) => toast(t(r.kind === "ffmpeg_source" ? "guests.addedAsMedia" : "guests.addedToScene"))),
  );
}

export const guestsPanel: Panel = {
  html: () => `
      <section class="card guests" data-testid="guests-panel">
        <h2>${esc(t("guests.title"))}</h2>
        <form class="invite" data-testid="invite-form">
          <input name="name" placeholder="${esc(t("guests.namePlaceholder"))}" required maxlength="60" data-testid="invite-name" />
          <button class="small primary" data-testid="invite">${esc(t("guests.invite"))}</button>
        </form>
        <div class="invite-link" data-testid="invite-link"></div>
        <div class="guest-list" data-testid="guest-list"></div>
        <div class="dest-actions">
          <button class="small" data-act="ggridscene" data-testid="grid-to-scene">${esc(t("guests.addGridToScene"))}</button>
          <button class="ghost small" data-act="gcopygrid" data-testid="copy-grid-link">${esc(t("guests.copyGrid"))}</button>
          <button class="ghost small" data-act="gcopygridstream" data-testid="copy-grid-stream-link" title="${esc(t("guests.gridStreamHint"))}">${esc(t("guests.copyGridStream"))}</button>
          <button class="ghost small" data-act="grotate" data-testid="rotate-view-links">${esc(t("guests.rotateView"))}</button>
        </div>
        <p class="dim">${esc(t("guests.viewHint"))}</p>
        ${talkbackHtml()}
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    const gid = (b: HTMLElement) => b.closest<HTMLElement>("[data-guest]")?.dataset.guest ?? "";
    ctx.acts
      .on("copylink", (b) => {
        navigator.clipboard?.writeText(b.dataset.link ?? "");
        toast(t("guests.inviteCopied"));
      })
      .on("gmute", (b) => run(() => api("POST", `/guests/${gid(b)}/mute`, { audio: b.dataset.on !== "1" }).then(ctx.refresh)))
      .on("gremove", (b) => {
        if (confirm(t("guests.removeConfirm"))) run(() => api("DELETE", `/guests/${gid(b)}`).then(ctx.refresh));
      })
      .on("gscene", (b) => addToScene(gid(b), tf("guests.sourceName", { name: b.dataset.name ?? "" })))
      .on("ggridscene", () => addToScene("grid", t("guests.gridSourceName")))
      .on("gcopy", (b) => run(() => guestViewUrl(gid(b)).then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.viewCopied")))))
      .on("gcopystream", (b) => run(() => guestStreamUrl(gid(b)).then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.streamCopied")))))
      .on("gcopygridstream", () => run(() => gridStreamUrl().then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.streamCopied")))))
      .on("gcopygrid", () => run(() => gridViewUrl().then((url) => navigator.clipboard?.writeText(url)).then(() => toast(t("guests.gridCopied")))))
      .on("grotate", () => {
        if (confirm(t("guests.rotateConfirm"))) run(() => rotateViewLinks().then(ctx.refresh).then(() => toast(t("guests.rotated"))));
      });
    const inviteForm = $<HTMLFormElement>(root, "[data-testid=invite-form]")!;
    inviteForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = (inviteForm.elements.namedItem("name") as HTMLInputElement).value;
      run(async () => {
        const inv = await api<{ name: string; url: string }>("POST", "/guests/invites", { name, expires_in_s: 86400, max_uses: 3, permissions: { audio: true, video: true, screen: false } });
        $(root, "[data-testid=invite-link]")!.innerHTML = `<label>${esc(tf("guests.sendLink", { name: inv.name }))} <code>${esc(inv.url)}</code> <button class="ghost small" data-act="copylink" data-link="${esc(inv.url)}">${esc(t("common.copy"))}</button></label>`;
        inviteForm.reset();
      });
    });
    initTalkback(root, ctx.acts);
  },
  render(s: ShowStatus) {
    const box = $(root, "[data-testid=guest-list]");
    if (box) renderGuests(box, s.guests);
  },
};
