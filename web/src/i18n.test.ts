import { describe, expect, it } from "vitest";
import { errorText, keysOf, languages, pickLang, t } from "./i18n";

describe("i18n catalogue", () => {
  it("has every string in both languages", () => {
    expect(languages).toEqual(["en", "pt-BR"]);
    expect(keysOf("pt-BR")).toEqual(keysOf("en"));
    for (const k of keysOf("en")) expect(t(k as any, "pt-BR")).not.toEqual(t(k as any, "en"));
  });
  it("picks pt-BR for any pt tag, else English", () => {
    expect(pickLang(["pt-BR"])).toBe("pt-BR");
    expect(pickLang(["", "pt"])).toBe("pt-BR");
    expect(pickLang(["en-US", "pt-BR"])).toBe("en");
    expect(pickLang([])).toBe("en");
  });
});

describe("API errors for people", () => {
  it("are the box's own words in English and the catalogue's in Portuguese", () => {
    expect(errorText("bad_password", "wrong password", "en")).toBe("wrong password");
    expect(errorText("bad_password", "wrong password", "pt-BR")).toBe("Senha incorreta");
    expect(errorText("something_new", "a new refusal", "pt-BR")).toBe("a new refusal");
  });
});
