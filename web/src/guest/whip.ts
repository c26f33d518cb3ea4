// The join page's requests to the box: the WHIP offer, its stats reports, and the WHEP players of
// the others on the show. Pure: what to send, not the sending.

export interface Request {
  url: string;
  init: RequestInit;
}

/**
 * The WHIP offer: the guest's name goes along, and on a reconnect the session it takes the place of
 * (`X-Replaces`).
 */
export function whipOffer(token: string, name: string, replacing: string | null, sdp: string): Request {
  const headers: Record<string, string> = { "Content-Type": "application/sdp", "X-Guest-Name": name.trim() };
  if (replacing) headers["X-Replaces"] = replacing;
  return { url: `/whip/${token}`, init: { method: "POST", headers, body: sdp } };
}

/** What the guest's browser sees of its connection, told to the box once a second. */
export interface Report {
  rtt_ms: number | null;
  available_kbps: number | null;
  limited_by: string | null;
}

export const statsReport = (resource: string, report: Report): Request => ({
  url: `${resource}/stats`,
  init: { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(report) },
});

/** What the box asks of the guest's sender. */
export interface Quality {
  name: string;
  max_bitrate_kbps: number;
  scale: number;
  max_fps: number;
}

/** Another person on the show (a guest or the host's talkback) and the view token to play them. */
export interface Other {
  id: string;
  name: string;
  host?: boolean;
  k?: string;
}

/** The box's answer to a stats report. */
export interface ReportAnswer {
  quality: Quality;
  others: Other[];
}

/** A WHEP offer to play another guest, with the view token the box gave for them. */
export const whepOffer = (id: string, k: string | undefined, sdp: string): Request => ({
  url: `/whep/guests/${id}?k=${encodeURIComponent(k ?? "")}`,
  init: { method: "POST", headers: { "Content-Type": "application/sdp" }, body: sdp },
});

/** The invite's token, the last part of the page's path (`/join/{token}`). */
export const tokenOf = (pathname: string): string => pathname.split("/").pop() ?? "";
