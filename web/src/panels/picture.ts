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

/** The picture fields of the edit form. */
export function pictureFields(o: Output | null, fallback: boolean): string {
  const cur = pictureOf(o);
  const options = (Object.keys(PICTURES) as Picture[])
    .concat(cur === "custom" ? ["custom"] : [])
    .map((k) => `<option value="${k}" ${k === cur ? "selected" : ""}>${esc(t(`picture.${k}`))}</option>`)
    .join("");
  const crop = o && o.fit !== "scale" ? o.crop_x : 0.5;
  return `<label>${esc(t("picture.label"))} <select name="picture" data-testid="picture">${options}</select></label>
    <label>${esc(t("picture.maxKbps"))} <input name="max_kbps" type="number" min="300" max="50000" step="100" value="${o?.max_kbps ?? ""}" placeholder="${esc(t("picture.auto"))}" /></label>
    <label title="${esc(t("picture.cropHint"))}">${esc(t("picture.crop"))} <input name="crop_x" type="range" min="0" max="1" step="0.01" value="${crop}" data-testid="crop-x" /></label>
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
