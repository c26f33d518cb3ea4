// The dashboard's strings in pt-BR and en. The language is the browser's first (what it sends as
// Accept-Language), else the page's `<html lang>`; anything not pt is English.
const catalogue = {
  en: {
    "auth.welcome": "Welcome. Choose the admin password for this box.",
    "auth.loginPrompt": "Log in to the box.",
    "auth.password": "Password",
    "auth.setupCode": "Set-up code (on the box's screen)",
    "auth.setupHint": "The code is on the box's status screen and in its log. No screen? Leave it empty, press Go Live on the box, then Set password.",
    "auth.setPassword": "Set password",
    "auth.logIn": "Log in",
    "auth.pressGoLive": "Press Go Live on the box now: set-up continues by itself.",
    "auth.pressTimeout": "No Go Live press seen. Enter the code, or try again.",
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
    "auth.welcome": "Bem-vindo. Escolha a senha de administrador desta caixa.",
    "auth.loginPrompt": "Entre na caixa.",
    "auth.password": "Senha",
    "auth.setupCode": "Código de configuração (na tela da caixa)",
    "auth.setupHint": "O código está na tela de status da caixa e no log dela. Sem tela? Deixe em branco, aperte Go Live na caixa e depois Definir senha.",
    "auth.setPassword": "Definir senha",
    "auth.logIn": "Entrar",
    "auth.pressGoLive": "Aperte Go Live na caixa agora: a configuração continua sozinha.",
    "auth.pressTimeout": "Nenhum toque em Go Live visto. Digite o código ou tente de novo.",
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
