import { describe, expect, it } from "vitest";
import { Dispatcher } from "./dispatch";

// A click's target, as the DOM gives it: `closest("[data-act]")` finds the button it is in.
const click = (act: string | null) => {
  const el = act === null ? null : { dataset: { act } };
  return { target: { closest: (sel: string) => (sel === "[data-act]" ? el : null) } } as unknown as Event;
};

describe("click dispatcher", () => {
  it("routes a data-act click to the handler registered for it, with its element", () => {
    const d = new Dispatcher();
    const seen: string[] = [];
    d.on("go", (el) => seen.push(`go:${el.dataset.act}`)).on("stop", () => seen.push("stop"));
    expect(d.dispatch(click("go"))).toBe(true);
    expect(d.dispatch(click("stop"))).toBe(true);
    expect(seen).toEqual(["go:go", "stop"]);
  });
  it("ignores clicks outside any data-act and acts nobody registered", () => {
    const d = new Dispatcher().on("go", () => {
      throw new Error("not this one");
    });
    expect(d.dispatch(click(null))).toBe(false);
    expect(d.dispatch(click("testsig"))).toBe(false);
    expect(d.dispatch({ target: null } as unknown as Event)).toBe(false);
  });
  it("refuses two panels registering the same act", () => {
    const d = new Dispatcher().on("copy", () => {});
    expect(() => d.on("copy", () => {})).toThrow(/two handlers/);
  });
});
