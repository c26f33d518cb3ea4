import { describe, expect, it } from "vitest";
import { afterClose, backoffMs } from "./events";

describe("feed reconnection", () => {
  it("backs off and caps at 5 s", () => {
    expect(backoffMs(0)).toBe(250);
    expect(backoffMs(1)).toBe(500);
    expect(backoffMs(10)).toBe(5000);
  });
});

describe("feed close codes", () => {
  it("does not reconnect when signed out or replaced by a newer tab", () => {
    expect(afterClose(4401)).toEqual({ state: "signed_out", retry: false });
    expect(afterClose(4409)).toEqual({ state: "replaced", retry: false });
    expect(afterClose(1006)).toEqual({ state: "closed", retry: true });
    expect(afterClose(1000).retry).toBe(true);
  });
});
