// What every dashboard panel is: its markup, its wiring (click handlers go to the one dispatcher),
// and how it shows the status the live feed pushes (every second and on changes).
import type { Dispatcher } from "../dispatch";
import type { Event } from "../api/Event";
import type { ShowStatus } from "../api/ShowStatus";

/** A message of the live feed: the whole status, or one event (stamped by the feed). */
export type FeedMessage = { type: "status"; status: ShowStatus } | (Event & { at_ms?: number });

export interface Ctx {
  root: HTMLElement;
  acts: Dispatcher;
  /** Fetches /status now (after the user's own action, not to learn of events). */
  refresh(): void;
  /** Renders a status the API answered with. */
  render(s: ShowStatus): void;
}

export interface Panel {
  html(): string;
  init(ctx: Ctx): void;
  render?(s: ShowStatus): void;
  /** An event of the feed: for what the pushed status does not carry. */
  onEvent?(m: FeedMessage): void;
}

export const $ = <T extends Element = HTMLElement>(root: ParentNode, sel: string): T | null => root.querySelector(sel) as T | null;
