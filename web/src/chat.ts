// The unified chat's pure parts: keeping lines in the platforms' time order.

import type { ChatMessage } from "./api/ChatMessage";
export type { ChatMessage };

/** Index at which `m` goes into `list` (sorted by at_ms) so the list stays in time order. */
export function insertAt(list: { at_ms: number }[], m: { at_ms: number }): number {
  let i = list.length;
  while (i > 0 && list[i - 1].at_ms > m.at_ms) i--;
  return i;
}

export const marks: Record<string, string> = { twitch: "T", youtube: "YT", facebook: "f" };

export function eventText(m: ChatMessage): string {
  switch (m.kind) {
    case "follow":
      return "followed";
    case "raid":
      return `raid: ${m.text}`;
    case "subscription":
      return `subscribed${m.text ? `: ${m.text}` : ""}`;
    default:
      return m.text;
  }
}
