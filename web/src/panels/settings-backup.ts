// The settings backup: download it encrypted with a passphrase, restore one (the box restarts onto it).
import { ApiError } from "../api";
import { t } from "../i18n";
import { esc, run, toast } from "../ui";
import { $, type Ctx, type Panel } from "./panel";

async function failure(res: Response): Promise<ApiError> {
  const j = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  return new ApiError(res.status, j?.error?.code ?? "error", j?.error?.message ?? res.statusText);
}

export const settingsBackupPanel: Panel = {
  html: () => `
      <section class="card settings-backup" data-testid="settings-backup">
        <h2>${esc(t("backup.title"))}</h2>
        <p class="dim">${esc(t("backup.what"))}</p>
        <form data-testid="backup-form" class="app-form">
          <label>${esc(t("backup.passphrase"))} <input name="passphrase" type="password" minlength="10" required autocomplete="new-password" /></label>
          <button class="small">${esc(t("backup.download"))}</button>
        </form>
        <form data-testid="restore-form" class="app-form">
          <label>${esc(t("backup.file"))} <input name="file" type="file" accept=".onairbackup" required /></label>
          <label>${esc(t("backup.passphrase"))} <input name="passphrase" type="password" required autocomplete="off" /></label>
          <button class="small">${esc(t("backup.restore"))}</button>
        </form>
      </section>`,
  init(ctx: Ctx) {
    const down = $<HTMLFormElement>(ctx.root, "[data-testid=backup-form]")!;
    down.addEventListener("submit", (e) => {
      e.preventDefault();
      const passphrase = String(new FormData(down).get("passphrase") ?? "");
      run(async () => {
        const res = await fetch("/api/v1/system/backup", { method: "POST", credentials: "same-origin", headers: { "X-Requested-With": "onair", "Content-Type": "application/json" }, body: JSON.stringify({ passphrase }) });
        if (!res.ok) throw await failure(res);
        const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "onair-settings.onairbackup";
        const a = document.createElement("a");
        a.href = URL.createObjectURL(await res.blob());
        a.download = name;
        a.click();
        URL.revokeObjectURL(a.href);
        down.reset();
      });
    });
    const up = $<HTMLFormElement>(ctx.root, "[data-testid=restore-form]")!;
    up.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!confirm(t("backup.restoreConfirm"))) return;
      run(async () => {
        const res = await fetch("/api/v1/system/restore", { method: "POST", credentials: "same-origin", headers: { "X-Requested-With": "onair" }, body: new FormData(up) });
        if (!res.ok) throw await failure(res);
        toast(t("backup.restarting"));
        setTimeout(() => location.reload(), 5000);
      });
    });
  },
};
