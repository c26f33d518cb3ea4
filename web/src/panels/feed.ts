// Which program feed a destination takes: the main one, or the second ingest key's (OBS's second
// canvas, Aitum Vertical).
import type { FeedId } from "../api/FeedId";
import { t } from "../i18n";
import { esc } from "../ui";

/** The feed picker of the add and edit forms. */
export function feedSelect(current: FeedId): string {
  const opt = (f: FeedId, label: string) => `<option value="${f}" ${current === f ? "selected" : ""}>${esc(label)}</option>`;
  return `<label title="${esc(t("dest.feedHint"))}">${esc(t("dest.feed"))} <select name="feed" data-testid="dest-feed-select">${opt("main", t("dest.mainFeed"))}${opt("second", t("dest.secondFeed"))}</select></label>`;
}
