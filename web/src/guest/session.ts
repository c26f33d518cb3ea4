// What the join page decides about its session: when it is live, when it starts over, when it is over.
// Pure, so the decisions are tested without a browser.

/** "disconnected" often heals by itself (a Wi-Fi hiccup): how long to wait before starting over. */
export const DISCONNECT_GRACE_MS = 3000;
/** How long after a failed reconnect the page tries again. */
export const RETRY_MS = 3000;

export type ConnectionAction = "live" | "reconnect" | "wait" | "none";

/**
 * What a change of a connection's state means. Only the page's current connection, while the guest
 * wants to be live, counts; "wait" means: look again after `DISCONNECT_GRACE_MS` (`stillDown`).
 */
export function onConnectionState(state: RTCPeerConnectionState, current: boolean, wantLive: boolean): ConnectionAction {
  if (!current || !wantLive) return "none";
  if (state === "connected") return "live";
  if (state === "failed") return "reconnect";
  if (state === "disconnected") return "wait";
  return "none";
}

/** After the grace: the connection is still the page's and still down, so the page starts over. */
export const stillDown = (state: RTCPeerConnectionState, current: boolean): boolean => current && state === "disconnected";

/**
 * The session id a reconnect takes the place of, from the session's resource (`/whip/{token}/{id}`):
 * sent as `X-Replaces`, the box then counts no new use of the invite.
 */
export const replacedSession = (resource: string | null): string | null => (resource ? (resource.split("/").pop() ?? null) : null);

/** How the page takes a refusal of its WHIP offer. */
export type Refusal = { ended: true; why: string | null } | { ended: false; message: string | null; status: number };

/**
 * A 403 on a reconnect (the guest had joined before) means the host revoked the invite: the session
 * is over, no retrying. Anything else is shown, and the guest may try again. `why` and `message`
 * are the box's words, when it gave any.
 */
export function whipRefusal(status: number, joinedOnce: boolean, message: string | null): Refusal {
  if (status === 403 && joinedOnce) return { ended: true, why: message };
  return { ended: false, message, status };
}

/** A refused stats report: 403 is the host revoking the invite (the session is over); anything else is passing. */
export const reportEnds = (status: number): boolean => status === 403;

/** The box's error body (`{"error": {"message": …}}`), when there is one. */
export function errorMessage(body: unknown): string | null {
  const m = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof m === "string" ? m : null;
}
