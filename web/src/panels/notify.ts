// Alerts beyond the dashboard: channels (a signed webhook, Discord, Slack, Telegram, ntfy, e-mail,
// SMS through Twilio) with a
// test button each, and which alert kinds go to each channel.
import { api } from "../api";
import type { Channel } from "../api/Channel";
import type { Kind } from "../api/Kind";
import type { Rule } from "../api/Rule";
import { type Key, lang, t, tf } from "../i18n";
import { esc, run, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

type Listed = Channel & { pending: number; last_error: string | null; last_sent_at: string | null };

export const ALERT_KINDS: Exclude<Kind, "test">[] = [
  "destination_failed", "destination_reconnecting", "destination_recovered", "feed_lost", "feed_back", "platform_offline",
  "low_disk", "obs_lost", "guest_joined", "guest_left", "follower", "sub", "raid", "tip", "show_started", "show_ended",
];
/** What a new channel gets until the user picks: the failures a streamer on camera must know of. */
const DEFAULT_KINDS: Kind[] = ["destination_failed", "feed_lost", "obs_lost", "low_disk", "show_started", "show_ended"];

/** The form's fields per channel kind (the secret one last; it is never shown again). */
export const FIELDS: Record<string, { name: string; type: string; required: boolean; options?: string[]; label?: string }[]> = {
  webhook: [{ name: "url", type: "url", required: true }, { name: "secret", type: "password", required: true }],
  discord: [{ name: "webhook_url", type: "password", required: true }],
  slack: [{ name: "webhook_url", type: "password", required: true }],
  telegram: [{ name: "chat_id", type: "text", required: true }, { name: "bot_token", type: "password", required: true }],
  ntfy: [{ name: "topic", type: "text", required: true }, { name: "server", type: "url", required: false }, { name: "token", type: "password", required: false }],
  sms: [
    { name: "account_sid", type: "text", required: true },
    { name: "from", type: "tel", required: true, label: "phoneFrom" },
    { name: "to", type: "tel", required: true, label: "phoneTo" },
    { name: "auth_token", type: "password", required: true },
  ],
  email: [
    { name: "host", type: "text", required: true },
    { name: "security", type: "select", required: true, options: ["starttls", "tls"] },
    { name: "port", type: "number", required: false },
    { name: "from", type: "email", required: true },
    { name: "to", type: "text", required: true },
    { name: "username", type: "text", required: false },
    { name: "password", type: "password", required: false },
  ],
};

let root: HTMLElement;
let channels: Listed[] = [];
let rules: Rule[] = [];

/** The kinds the rules send to `id` (pure: unit-tested). */
export function kindsFor(rs: Rule[], id: number): string[] {
  return [...new Set(rs.filter((r) => r.channels.includes(id)).flatMap((r) => r.kinds))];
}

/** Rules with `id`'s kinds replaced by `kinds`, the other channels' untouched (pure: unit-tested). */
export function withKinds(rs: Rule[], id: number, kinds: string[]): Rule[] {
  const others = rs.map((r) => ({ kinds: r.kinds, channels: r.channels.filter((c) => c !== id) })).filter((r) => r.channels.length > 0 && r.kinds.length > 0);
  return kinds.length ? [...others, { kinds, channels: [id] }] : others;
}

function channelRow(c: Listed): string {
  const chosen = kindsFor(rules, c.id);
  const state = c.last_error && c.pending > 0 ? `<span class="bad" data-testid="channel-error">${esc(tf("notify.failing", { error: c.last_error }))}</span>` : c.last_sent_at ? esc(tf("notify.lastSent", { when: new Date(c.last_sent_at).toLocaleString(lang()) })) : esc(t("notify.nothingYet"));
  return `<li data-testid="channel-row" data-channel="${c.id}">
    <span><b>${esc(c.name)}</b> · ${esc(t(`notify.kind.${c.kind}` as Key))} · <span class="dim">${state}</span></span>
    <span class="dest-actions">
      <button class="small" data-act="ntest" data-testid="channel-test">${esc(t("notify.test"))}</button>
      <button class="ghost small" data-act="nremove">${esc(t("notify.remove"))}</button>
    </span>
    <details><summary>${esc(t("notify.whatGoes"))}</summary>
      <fieldset class="kinds" data-testid="channel-kinds">${ALERT_KINDS.map((k) => `<label class="switch"><input type="checkbox" value="${k}" ${chosen.includes(k) ? "checked" : ""} /> ${esc(t(`notify.alert.${k}` as Key))}</label>`).join("")}</fieldset>
      <button class="small" data-act="nrules" data-testid="channel-save-kinds">${esc(t("common.save"))}</button>
    </details>
  </li>`;
}

async function load() {
  [channels, rules] = await Promise.all([api<Listed[]>("GET", "/notify/channels").catch(() => []), api<Rule[]>("GET", "/notify/rules").catch(() => [])]);
  const ol = $(root, "[data-testid=channel-list]");
  if (ol) ol.innerHTML = channels.map(channelRow).join("") || `<li class="dim">${esc(t("notify.none"))}</li>`;
}

function fieldsHtml(kind: string): string {
  return (FIELDS[kind] ?? [])
    .map((f) => {
      const label = esc(t(`notify.field.${f.label ?? f.name}` as Key));
      if (f.options) return `<label>${label} <select name="${f.name}">${f.options.map((o) => `<option value="${o}">${esc(t(`notify.option.${o}` as Key))}</option>`).join("")}</select></label>`;
      return `<label>${label} <input name="${f.name}" type="${f.type}" ${f.required ? "required" : ""} autocomplete="off" /></label>`;
    })
    .join("");
}

export const notifyPanel: Panel = {
  html: () => `
    <section class="card notify" data-testid="notify-panel">
      <h2>${esc(t("notify.title"))}</h2>
      <p class="dim">${esc(t("notify.what"))}</p>
      <ol class="show-list" data-testid="channel-list"></ol>
      <details><summary>${esc(t("notify.add"))}</summary>
        <form class="app-form" data-testid="channel-form">
          <label>${esc(t("notify.kindLabel"))} <select name="kind">${Object.keys(FIELDS).map((k) => `<option value="${k}">${esc(t(`notify.kind.${k}` as Key))}</option>`).join("")}</select></label>
          <label>${esc(t("notify.name"))} <input name="name" required maxlength="60" /></label>
          <div data-testid="channel-fields">${fieldsHtml("webhook")}</div>
          <button class="small">${esc(t("notify.addButton"))}</button>
        </form>
      </details>
    </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    const form = $<HTMLFormElement>(root, "[data-testid=channel-form]")!;
    const kind = form.elements.namedItem("kind") as HTMLSelectElement;
    kind.addEventListener("change", () => ($(form, "[data-testid=channel-fields]")!.innerHTML = fieldsHtml(kind.value)));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const body: Record<string, string> = {};
      for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) body[k] = String(v).trim();
      run(async () => {
        const c = await api<Channel>("POST", "/notify/channels", body);
        await api("PUT", "/notify/rules", withKinds(rules, c.id, DEFAULT_KINDS));
        form.reset();
        $(form, "[data-testid=channel-fields]")!.innerHTML = fieldsHtml("webhook");
        toast(tf("notify.added", { name: c.name }));
        await load();
      });
    });
    const cid = (b: HTMLElement) => Number(b.closest<HTMLElement>("[data-channel]")?.dataset.channel);
    ctx.acts
      .on("ntest", (b) => run(() => api("POST", `/notify/channels/${cid(b)}/test`).then(() => toast(t("notify.testSent"))).then(() => setTimeout(load, 3000))))
      .on("nremove", (b) => {
        if (confirm(t("notify.removeConfirm"))) run(() => api("DELETE", `/notify/channels/${cid(b)}`).then(load));
      })
      .on("nrules", (b) => {
        const row = b.closest<HTMLElement>("[data-channel]")!;
        const kinds = [...row.querySelectorAll<HTMLInputElement>("[data-testid=channel-kinds] input:checked")].map((i) => i.value);
        run(() => api<Rule[]>("PUT", "/notify/rules", withKinds(rules, cid(b), kinds)).then((r) => (rules = r)).then(() => toast(t("notify.saved"))));
      });
    load();
  },
};
