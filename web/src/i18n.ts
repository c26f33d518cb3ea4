// The dashboard's strings in pt-BR and en. The language is the browser's first (what it sends as
// Accept-Language), else the page's `<html lang>`; anything not pt is English.
const catalogue = {
  en: {
    "auth.welcome": "Welcome. Choose the admin password for this box.",
    "auth.loginPrompt": "Log in to the box.",
    "auth.password": "Password",
    "auth.setupCode": "Set-up code (on the box's screen)",
    "auth.setupHint": "The code is on the box's status screen and in its log. No code at hand? Leave it empty and choose Set password: the box then asks for a Go Live press.",
    "auth.setPassword": "Set password",
    "auth.logIn": "Log in",
    "auth.pressGoLive": "Press Go Live on the box when its screen shows {label}: set-up continues by itself. Press only if it shows {label}.",
    "auth.pressTimeout": "No Go Live press seen. Enter the code, or try again.",
    "destinations.restarted": "Destination {id} restarted with its new settings (the others go on)",
    "destinations.started": "Destination {id} enabled: it goes live now",
    "destinations.stopped": "Destination {id} disabled: its stream ended",
    "feed.signedOut": "You were signed out (a logout, a new password or a deleted token). Log in again.",
    "feed.replaced": "This dashboard is open in too many tabs: a newer one took this tab's live feed. Reload to use this one.",
    "guests.copyView": "Copy view link",
    "guests.copyGrid": "Copy grid link",
    "guests.rotateView": "New view links",
    "guests.rotateConfirm": "Make new view links? Every guest view and grid link given out so far (OBS sources too) stops opening.",
    "guests.rotated": "New view links made: update the OBS sources",
    "guests.viewCopied": "View link copied (it lets anyone with it watch this guest)",
    "guests.gridCopied": "Grid link copied (it lets anyone with it watch every guest)",
    "guests.viewHint": "View links carry a token: only who has one can watch.",
    "data.restored": "The box's database was damaged and has been restored from the backup of {when}: changes made after it are gone",
    "data.fresh": "The box's database was damaged and there was no backup: the box started empty, set it up again",
    "data.memory": "The box's database cannot be written: changes last only until the next restart",
    "data.readOnly": "The card holding the box's data refuses writes: the box runs with the settings it had and cannot save changes",
    "data.kept": "The damaged files are kept in {dir} on the data partition.",
    "data.diskFull": "The data disk is full: changes are not saved until space is freed (the show, login and API tokens keep working).",
  },
  "pt-BR": {
    "auth.welcome": "Bem-vindo. Escolha a senha de administrador desta caixa.",
    "auth.loginPrompt": "Entre na caixa.",
    "auth.password": "Senha",
    "auth.setupCode": "Código de configuração (na tela da caixa)",
    "auth.setupHint": "O código está na tela de status da caixa e no log dela. Sem o código? Deixe em branco e escolha Definir senha: a caixa pede então um toque em Go Live.",
    "auth.setPassword": "Definir senha",
    "auth.logIn": "Entrar",
    "auth.pressGoLive": "Aperte Go Live na caixa quando a tela mostrar {label}: a configuração continua sozinha. Só aperte se mostrar {label}.",
    "auth.pressTimeout": "Nenhum toque em Go Live visto. Digite o código ou tente de novo.",
    "destinations.restarted": "Destino {id} reiniciado com as novas configurações (os outros continuam)",
    "destinations.started": "Destino {id} ativado: entra ao vivo agora",
    "destinations.stopped": "Destino {id} desativado: a transmissão dele terminou",
    "feed.signedOut": "Sua sessão terminou (saída, senha nova ou token apagado). Entre de novo.",
    "feed.replaced": "Este painel está aberto em abas demais: uma mais nova ficou com a transmissão ao vivo desta. Recarregue para usar esta.",
    "guests.copyView": "Copiar link de exibição",
    "guests.copyGrid": "Copiar link da grade",
    "guests.rotateView": "Novos links de exibição",
    "guests.rotateConfirm": "Criar novos links de exibição? Todos os links de convidado e da grade já dados (inclusive fontes do OBS) deixam de abrir.",
    "guests.rotated": "Novos links de exibição criados: atualize as fontes do OBS",
    "guests.viewCopied": "Link de exibição copiado (quem o tiver pode assistir a este convidado)",
    "guests.gridCopied": "Link da grade copiado (quem o tiver pode assistir a todos os convidados)",
    "guests.viewHint": "Os links de exibição levam um token: só quem tem um pode assistir.",
    "data.restored": "O banco de dados da caixa estava danificado e foi restaurado do backup de {when}: as mudanças feitas depois dele se perderam",
    "data.fresh": "O banco de dados da caixa estava danificado e não havia backup: a caixa começou vazia, configure-a de novo",
    "data.memory": "O banco de dados da caixa não pode ser gravado: as mudanças duram só até o próximo reinício",
    "data.readOnly": "O cartão com os dados da caixa recusa gravações: a caixa funciona com as configurações que tinha e não pode salvar mudanças",
    "data.kept": "Os arquivos danificados estão guardados em {dir} na partição de dados.",
    "data.diskFull": "O disco de dados está cheio: as mudanças não são salvas até liberar espaço (a transmissão, o login e os tokens de API continuam funcionando).",
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

/// `t(key)` with each `{name}` replaced by `vars[name]`.
export function tf(key: Key, vars: Record<string, string>, l: Lang = lang()): string {
  return t(key, l).replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

export const languages = Object.keys(catalogue) as Lang[];
export const keysOf = (l: Lang) => Object.keys(catalogue[l]).sort();
