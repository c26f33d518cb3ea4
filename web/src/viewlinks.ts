// The guests' view links (each carries a view token; without one the box shows nothing): fetched
// from the box, used by "View", "Add to scene" and the copy buttons.
import { api } from "./api";

type Links = { grid: { token: string; url: string; stream_url?: string }; guests: { id: string; token: string }[] };
let links: Links | null = null;
let loading: Promise<Links> | null = null;

export function loadViewLinks(): Promise<Links> {
  loading ??= api<Links>("GET", "/guests/view-links")
    .then((l) => (links = l))
    .finally(() => (loading = null));
  return loading;
}

export async function rotateViewLinks(): Promise<Links> {
  links = await api<Links>("POST", "/guests/view-links/rotate");
  return links;
}

/// The view path of guest `id` with its token, if known yet (else `null`; `loadViewLinks` brings it).
export function guestViewPath(id: string): string | null {
  const g = links?.guests.find((x) => x.id === id);
  return g ? `/guest/${encodeURIComponent(id)}/view?k=${encodeURIComponent(g.token)}` : null;
}

export async function guestViewUrl(id: string): Promise<string> {
  let p = guestViewPath(id);
  if (!p) {
    await loadViewLinks();
    p = guestViewPath(id);
  }
  if (!p) throw new Error("this guest is no longer on");
  return `${location.origin}${p}`;
}

/// Guest `id` as a live Matroska stream (an OBS Media Source, VLC, ffmpeg), with its token.
export async function guestStreamUrl(id: string): Promise<string> {
  const view = await guestViewUrl(id);
  return view.replace(/\/view\?k=/, "/stream.mkv?k=");
}

export async function gridViewUrl(): Promise<string> {
  const l = links ?? (await loadViewLinks());
  return `${location.origin}/guests/grid/view?k=${encodeURIComponent(l.grid.token)}`;
}

/// The grid as one live Matroska stream (every guest composed by the box), with the box's token.
export async function gridStreamUrl(): Promise<string> {
  const l = links ?? (await loadViewLinks());
  return `${location.origin}/guests/grid/stream.mkv?k=${encodeURIComponent(l.grid.token)}`;
}
