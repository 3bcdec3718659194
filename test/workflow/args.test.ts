// `aegis run` / `aegis resume`'s own flags, typed, and durations. The workflow's arguments: arg-schema.test.ts.
import { describe, expect, test } from "bun:test";
import { parseDuration, runFlags } from "../../src/workflow/args.ts";

describe("runFlags", () => {
  test("types aegis's own run flags as parsed from the command line", () => {
    const f = runFlags({ json: true, answer: ["ship=yes", "why=because"], timeout: "30m", "max-cost": "$5", cwd: "/x" });
    expect(f).toEqual({ json: true, answers: { ship: "yes", why: "because" }, timeoutMs: 30 * 60_000, maxCostUsd: 5, cwd: "/x" });
    expect(runFlags({ answer: "one=1" }).answers).toEqual({ one: "1" });
  });

  test("rejects malformed values with usage errors", () => {
    expect(() => runFlags({ answer: ["noequals"] })).toThrow(/key=value/);
    expect(() => runFlags({ "max-cost": "-1" })).toThrow(/positive/);
    try {
      runFlags({ timeout: "soon" });
      throw new Error("no error");
    } catch (err) {
      expect(err).toMatchObject({ code: "E_USAGE" });
    }
  });
});

describe("parseDuration", () => {
  test("accepts units, combinations and bare seconds", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2")).toBe(2000);
    expect(() => parseDuration("5 minutes")).toThrow();
    expect(() => parseDuration("0s")).toThrow();
  });
});
