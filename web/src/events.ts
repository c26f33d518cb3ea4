// The live event feed (GET /api/v1/events) with automatic reconnection.

export type FeedState = "connecting" | "open" | "closed";

export interface Feed {
  close(): void;
}

export function backoffMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
}

export function connectFeed(onMessage: (m: any) => void, onState: (s: FeedState) => void, url = feedUrl()): Feed {
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
    ws.onclose = () => {
      onState("closed");
      if (!closed) timer = setTimeout(open, backoffMs(attempt++));
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
