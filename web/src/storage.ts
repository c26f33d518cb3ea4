// What the box says about its own data: a database damaged at start-up (`recovery` in /status and
// /session) and a full data disk (`disk_full`). One line for the banner, or null when all is well.
import type { Recovery } from "./api/Recovery";
import { lang as pageLang, t } from "./i18n";

export type { Recovery } from "./api/Recovery";

export function dataBanner(recovery: Recovery | null | undefined, diskFull: boolean, lang?: "en" | "pt-BR"): string | null {
  const parts: string[] = [];
  if (recovery) {
    const when = recovery.backup_at ? new Date(recovery.backup_at).toLocaleString(lang ?? pageLang()) : "?";
    const what =
      recovery.outcome === "restored"
        ? t("data.restored", lang).replace("{when}", when)
        : recovery.outcome === "memory"
          ? t("data.memory", lang)
          : recovery.outcome === "read_only"
            ? t("data.readOnly", lang)
            : t("data.fresh", lang);
    const kept = recovery.moved_to ? " " + t("data.kept", lang).replace("{dir}", recovery.moved_to) : "";
    parts.push(`${what} (${recovery.reason}).${kept}`);
  }
  if (diskFull) parts.push(t("data.diskFull", lang));
  return parts.length ? parts.join(" ") : null;
}
