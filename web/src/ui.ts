// Small UI helpers shared by the dashboard's panels.
import { ApiError } from "./api";
import { errorText } from "./i18n";

export const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function toast(msg: string, tone: "info" | "bad" = "info") {
  let box = document.querySelector(".toasts");
  if (!box) {
    box = document.createElement("div");
    box.className = "toasts";
    document.body.append(box);
  }
  const t = document.createElement("div");
  t.className = `toast ${tone}`;
  t.textContent = msg;
  box.append(t);
  setTimeout(() => t.remove(), 6000);
}

export async function run(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (e) {
    toast(e instanceof ApiError ? errorText(e.code, e.message) : String(e), "bad");
  }
}
