// API tokens (Stream Deck, scripts): create (the secret is shown once), list, revoke.
import { api } from "../api";
import { lang, t, tf } from "../i18n";
import { esc, run } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

let root: HTMLElement;

async function loadTokens() {
  const list = await api<{ id: number; name: string; last_used_at: number | null }[]>("GET", "/tokens").catch(() => []);
  const ul = $(root, "[data-testid=token-list]");
  if (ul)
    ul.innerHTML =
      list.map((k) => `<li>${esc(k.name)} <span class="dim">${esc(k.last_used_at ? tf("tokens.used", { when: new Date(k.last_used_at * 1000).toLocaleString(lang()) }) : t("tokens.neverUsed"))}</span> <button class="ghost small" data-act="trevoke" data-token="${esc(k.id)}">${esc(t("tokens.revoke"))}</button></li>`).join("") ||
      `<li class="dim">${esc(t("tokens.none"))}</li>`;
}

export const tokensPanel: Panel = {
  html: () => `
      <section class="card tokens" data-testid="tokens-panel">
        <h2>${esc(t("tokens.title"))}</h2>
        <form class="invite" data-testid="token-form"><input name="name" placeholder="${esc(t("tokens.namePlaceholder"))}" required maxlength="100" /><button class="small">${esc(t("common.create"))}</button></form>
        <div class="invite-link" data-testid="token-secret"></div>
        <ul class="token-list" data-testid="token-list"></ul>
      </section>`,
  init(ctx: Ctx) {
    root = ctx.root;
    ctx.acts.on("trevoke", (b) => {
      if (confirm(t("tokens.revokeConfirm"))) run(() => api("DELETE", `/tokens/${b.dataset.token}`).then(loadTokens));
    });
    const form = $<HTMLFormElement>(root, "[data-testid=token-form]")!;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = (form.elements.namedItem("name") as HTMLInputElement).value;
      run(async () => {
        const r = await api<{ token: string }>("POST", "/tokens", { name });
        $(root, "[data-testid=token-secret]")!.innerHTML = `${esc(t("tokens.shownOnce"))} <code>${esc(r.token)}</code>`;
        form.reset();
        loadTokens();
      });
    });
    loadTokens();
  },
};
