// A destination's own picture (its `output`): the choices in the edit form, and how a card names it.
import type { Output } from "../api/Output";
import { t } from "../i18n";
import { esc } from "../ui";

/** The shapes a streamer picks from; each is an `output` the API takes. */
export const PICTURES = {
  feed: null,
  vertical_crop: { codec: "h264", width: 720, height: 1280, fps: null, max_kbps: null, fit: "crop", crop_x: 0.5 },
  vertical_blur: { codec: "h264", width: 720, height: 1280, fps: null, max_kbps: null, fit: "blur", crop_x: 0.5 },
  cap_1080: { codec: "h264", width: 1920, height: 1080, fps: null, max_kbps: null, fit: "scale", crop_x: 0.5 },
  cap_720: { codec: "h264", width: 1280, height: 720, fps: null, max_kbps: null, fit: "scale", crop_x: 0.5 },
  cap_480: { codec: "h264", width: 854, height: 480, fps: null, max_kbps: null, fit: "scale", crop_x: 0.5 },
} satisfies Record<string, Output | null>;
type Picture = keyof typeof PICTURES | "custom";

/** Which of `PICTURES` an output is (by size and fit; the bitrate and crop place are its own fields). */
export function pictureOf(o: Output | null): Picture {
  if (!o) return "feed";
  const hit = (Object.keys(PICTURES) as (keyof typeof PICTURES)[]).find((k) => {
    const p: Output | null = PICTURES[k];
    return p && p.width === o.width && p.height === o.height && p.fit === o.fit;
  });
  return hit ?? "custom";
}

/** How a card names what it sends (pure: unit-tested); empty for the feed as it is. */
export function pictureLabel(o: Output | null, transcoding: boolean): string {
  if (!o) return transcoding ? t("picture.h264") : "";
  const size = o.width && o.height ? `${o.width}×${o.height}` : t("picture.feedSize");
  const parts = [size, t(`picture.fit.${o.fit}`)];
  if (o.max_kbps) parts.push(`${o.max_kbps} kb/s`);
  if (o.fps) parts.push(`${o.fps} fps`);
  return parts.join(" · ");
}

/** Where the crop window sits over a still of the feed, in fractions of it (pure: unit-tested; the
 * same rule as the box's `crop_window`: a wider feed loses its sides, placed by `x`). */
export function cropBox(w: number, h: number, ow: number, oh: number, x: number): { left: number; width: number; top: number; height: number } {
  if (!(w > 0 && h > 0 && ow > 0 && oh > 0)) return { left: 0, width: 1, top: 0, height: 1 };
  if (w * oh > h * ow) {
    const width = (h * ow) / oh / w;
    return { left: (1 - width) * Math.min(1, Math.max(0, x)), width, top: 0, height: 1 };
  }
  const height = (w * oh) / ow / h;
  return { left: 0, width: 1, top: (1 - height) / 2, height };
}

/** The crop position that puts the window's middle at `at` (0…1 across the still). */
export function cropAt(at: number, width: number): number {
  if (width >= 1) return 0.5;
  return Math.min(1, Math.max(0, (at - width / 2) / (1 - width)));
}

/** A still of the feed with the crop window over it: dragging it moves the window (the slider follows). */
function cropView(o: Output | null, feed: string): string {
  if (!o || o.fit === "scale" || !o.width || !o.height) return "";
  return `<div class="crop-view" data-testid="crop-view" data-ow="${o.width}" data-oh="${o.height}">
      <img alt="${esc(t("picture.still"))}" data-testid="crop-still" src="/api/v1/feeds/${esc(feed)}/preview.jpg?t=${Date.now()}" />
      <div class="crop-window" data-testid="crop-window"></div>
    </div>`;
}

/** Places the crop window of every crop view in `root` from its slider. */
export function placeCropWindows(root: ParentNode) {
  for (const view of root.querySelectorAll<HTMLElement>(".crop-view")) {
    const img = view.querySelector<HTMLImageElement>("img")!;
    const slider = view.closest("form")?.querySelector<HTMLInputElement>("input[name=crop_x]");
    const b = cropBox(img.naturalWidth, img.naturalHeight, Number(view.dataset.ow), Number(view.dataset.oh), Number(slider?.value ?? 0.5));
    const win = view.querySelector<HTMLElement>(".crop-window")!;
    Object.assign(win.style, { left: `${b.left * 100}%`, width: `${b.width * 100}%`, top: `${b.top * 100}%`, height: `${b.height * 100}%` });
    win.hidden = !img.naturalWidth;
  }
}

/** Dragging over a crop view sets its form's slider (and tells the form, as a slider move does). */
export function wireCropViews(root: HTMLElement) {
  root.addEventListener("load", () => placeCropWindows(root), true);
  root.addEventListener("input", (e) => {
    if ((e.target as HTMLInputElement).name === "crop_x") placeCropWindows(root);
  });
  let dragging: HTMLElement | null = null;
  const move = (e: PointerEvent, done: boolean) => {
    if (!dragging) return;
    const view = dragging;
    const img = view.querySelector<HTMLImageElement>("img")!;
    const slider = view.closest("form")?.querySelector<HTMLInputElement>("input[name=crop_x]");
    if (!slider || !img.naturalWidth) return;
    const r = view.getBoundingClientRect();
    const b = cropBox(img.naturalWidth, img.naturalHeight, Number(view.dataset.ow), Number(view.dataset.oh), 0.5);
    slider.value = String(Math.round(cropAt((e.clientX - r.left) / r.width, b.width) * 100) / 100);
    placeCropWindows(root);
    if (done) {
      dragging = null;
      slider.dispatchEvent(new Event("change", { bubbles: true }));
    }
  };
  root.addEventListener("pointerdown", (e) => {
    const view = (e.target as HTMLElement).closest<HTMLElement>(".crop-view");
    if (!view) return;
    e.preventDefault();
    dragging = view;
    move(e, false);
  });
  root.addEventListener("pointermove", (e) => move(e, false));
  root.addEventListener("pointerup", (e) => move(e, true));
}

/** The picture fields of the edit form. */
export function pictureFields(o: Output | null, fallback: boolean, feed = "main"): string {
  const cur = pictureOf(o);
  const options = (Object.keys(PICTURES) as Picture[])
    .concat(cur === "custom" ? ["custom"] : [])
    .map((k) => `<option value="${k}" ${k === cur ? "selected" : ""}>${esc(t(`picture.${k}`))}</option>`)
    .join("");
  const crop = o && o.fit !== "scale" ? o.crop_x : 0.5;
  return `<label>${esc(t("picture.label"))} <select name="picture" data-testid="picture">${options}</select></label>
    <label>${esc(t("picture.maxKbps"))} <input name="max_kbps" type="number" min="300" max="50000" step="100" value="${o?.max_kbps ?? ""}" placeholder="${esc(t("picture.auto"))}" /></label>
    <label title="${esc(t("picture.cropHint"))}">${esc(t("picture.crop"))} <input name="crop_x" type="range" min="0" max="1" step="0.01" value="${crop}" data-testid="crop-x" /></label>
    ${cropView(o, feed)}
    <label class="switch" title="${esc(t("picture.fallbackHint"))}"><input type="checkbox" name="transcode_fallback" ${fallback ? "checked" : ""}/> ${esc(t("picture.fallback"))}</label>`;
}

/** The `output` the form's picture fields ask for; `undefined` leaves a custom one as it is. */
export function outputFromForm(f: FormData, was: Output | null): Output | null | undefined {
  const pick = String(f.get("picture") ?? "feed");
  const base: Output | null | undefined = pick === "custom" ? was : PICTURES[pick as keyof typeof PICTURES];
  if (base === undefined) return undefined;
  if (base === null) return null;
  const kbps = Number(f.get("max_kbps") || 0);
  return { ...base, max_kbps: kbps > 0 ? kbps : null, crop_x: Number(f.get("crop_x") ?? 0.5) };
}
