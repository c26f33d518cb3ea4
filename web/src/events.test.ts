import { describe, expect, it } from "vitest";
import { backoffMs } from "./events";

describe("feed reconnection", () => {
  it("backs off and caps at 5 s", () => {
    expect(backoffMs(0)).toBe(250);
    expect(backoffMs(1)).toBe(500);
    expect(backoffMs(10)).toBe(5000);
  });
});
