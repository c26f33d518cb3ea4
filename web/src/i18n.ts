// The dashboard's strings in pt-BR and en. The language is the browser's first (what it sends as
// Accept-Language), else the page's `<html lang>`; anything not pt is English.
const catalogue = {
  en: {
    "guests.copyView": "Copy view link",
    "guests.copyGrid": "Copy grid link",
    "guests.rotateView": "New view links",
    "guests.rotateConfirm": "Make new view links? Every guest view and grid link given out so far (OBS sources too) stops opening.",
    "guests.rotated": "New view links made: update the OBS sources",
    "guests.viewCopied": "View link copied (it lets anyone with it watch this guest)",
    "guests.gridCopied": "Grid link copied (it lets anyone with it watch every guest)",
    "guests.viewHint": "View links carry a token: only who has one can watch.",
  },
  "pt-BR": {
    "guests.copyView": "Copiar link de exibição",
    "guests.copyGrid": "Copiar link da grade",
    "guests.rotateView": "Novos links de exibição",
    "guests.rotateConfirm": "Criar novos links de exibição? Todos os links de convidado e da grade já dados (inclusive fontes do OBS) deixam de abrir.",
    "guests.rotated": "Novos links de exibição criados: atualize as fontes do OBS",
    "guests.viewCopied": "Link de exibição copiado (quem o tiver pode assistir a este convidado)",
    "guests.gridCopied": "Link da grade copiado (quem o tiver pode assistir a todos os convidados)",
    "guests.viewHint": "Os links de exibição levam um token: só quem tem um pode assistir.",
  },
} as const;

export type Key = keyof (typeof catalogue)["en"];
export type Lang = keyof typeof catalogue;

export function pickLang(tags: readonly string[]): Lang {
  for (const t of tags) {
    if (!t) continue;
    return t.toLowerCase().startsWith("pt") ? "pt-BR" : "en";
  }
  return "en";
}

const lang = (): Lang =>
  typeof document === "undefined" ? "en" : pickLang([...(navigator.languages ?? []), document.documentElement.getAttribute("lang") ?? ""]);

export function t(key: Key, l: Lang = lang()): string {
  return catalogue[l][key] ?? catalogue.en[key];
}

export const languages = Object.keys(catalogue) as Lang[];
export const keysOf = (l: Lang) => Object.keys(catalogue[l]).sort();
