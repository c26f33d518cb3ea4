import { describe, expect, it } from "vitest";
import { strength } from "./guide";

describe("password strength hint", () => {
  it("calls short or one-kind passwords weak, long varied ones strong", () => {
    expect(strength("short")).toBe("weak");
    expect(strength("abcdefghij")).toBe("weak"); // 10 letters of one kind
    expect(strength("abcdefghijklmn")).toBe("fair");
    expect(strength("Abcdefgh12")).toBe("fair");
    expect(strength("Abcdefgh1234")).toBe("strong");
    expect(strength("correct horse battery")).toBe("strong");
  });
});
