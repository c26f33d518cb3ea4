import { describe, expect, it } from "vitest";
import { eventText, insertAt } from "./chat";

describe("chat order", () => {
  it("puts a late message before newer ones", () => {
    const list = [{ at_ms: 1 }, { at_ms: 3 }, { at_ms: 5 }];
    expect(insertAt(list, { at_ms: 4 })).toBe(2);
    expect(insertAt(list, { at_ms: 0 })).toBe(0);
    expect(insertAt(list, { at_ms: 9 })).toBe(3);
    expect(insertAt(list, { at_ms: 3 })).toBe(2);
    expect(insertAt([], { at_ms: 3 })).toBe(0);
  });
  it("describes events", () => {
    const base = { seq: 1, platform: "twitch", author: "a", amount: null, at_ms: 0 };
    expect(eventText({ ...base, kind: "follow", text: "followed" })).toBe("followed");
    expect(eventText({ ...base, kind: "raid", text: "12 raiders" })).toBe("raid: 12 raiders");
    expect(eventText({ ...base, kind: "message", text: "hi" })).toBe("hi");
  });
});
