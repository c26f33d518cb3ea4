// The live event feed (GET /api/v1/events) with automatic reconnection.

export type FeedState = "connecting" | "open" | "closed" | "signed_out" | "replaced";

/// Close codes the box ends a feed with (daemon/src/api/live.rs): it is not worth reconnecting.
export const CLOSE_SIGNED_OUT = 4401;
export const CLOSE_REPLACED = 4409;

/// What a close with `code` means, and whether to try again.
export function afterClose(code: number): { state: FeedState; retry: boolean } {
  if (code === CLOSE_SIGNED_OUT) return { state: "signed_out", retry: false };
  // A newer dashboard took this feed's place: reconnecting would take it back, and the two tabs
  // would throw each other out for ever.
  if (code === CLOSE_REPLACED) return { state: "replaced", retry: false };
  return { state: "closed", retry: true };
}

export interface Feed {
  close(): void;
}

export function backoffMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
}

export function connectFeed<M = unknown>(onMessage: (m: M) => void, onState: (s: FeedState) => void, url = feedUrl()): Feed {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    onState("connecting");
    ws = new WebSocket(url);
    ws.onopen = () => {
      attempt = 0;
      onState("open");
    };
    ws.onmessage = (e) => {
      try {
        onMessage(JSON.parse(e.data));
      } catch {
        /* a malformed message is dropped, the feed goes on */
      }
    };
    ws.onclose = (e) => {
      const after = afterClose(e.code);
      onState(after.state);
      if (!closed && after.retry) timer = setTimeout(open, backoffMs(attempt++));
    };
  };
  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
  };
}

export function feedUrl(): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/api/v1/events`;
}
