import { describe, expect, it } from "vitest";
import { dataBanner } from "./storage";

describe("data banner", () => {
  it("is empty when the data is fine", () => {
    expect(dataBanner(null, false)).toBeNull();
  });
  it("says what start-up did about a damaged database, and about a full disk", () => {
    const r = { at: "2026-12-01T22:00:00Z", outcome: "restored" as const, reason: "quick_check: page 3 is never used", moved_to: "corrupt-20261201T220000Z", restored_from: "backups/onair-x.db", backup_at: "2026-12-01T21:00:00Z" };
    const s = dataBanner(r, false, "en")!;
    expect(s).toContain("restored from the backup");
    expect(s).toContain("quick_check: page 3");
    expect(s).toContain("corrupt-20261201T220000Z");
    expect(dataBanner({ ...r, outcome: "fresh", restored_from: null, backup_at: null }, false, "en")).toContain("no backup");
    expect(dataBanner(null, true, "en")).toContain("disk is full");
    expect(dataBanner(null, true, "pt-BR")).toContain("disco");
  });
});
