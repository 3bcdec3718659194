// `aegis run` argument parsing: aegis's own flags, and the workflow's `--key=value` typed by its defaults.
import { describe, expect, test } from "bun:test";
import { coerceArgs, parseDuration, parseRunFlags } from "../../src/workflow/args.ts";

describe("parseRunFlags", () => {
  test("separates aegis's flags from the workflow's arguments", () => {
    const f = parseRunFlags(["tdd", "--feature=rate limit", "--json", "--answer", "ship=yes", "--answer=why=because", "--timeout", "30m", "--max-cost=$5", "--n", "3", "--dry-run", "--cwd=/x"]);
    expect(f.positionals).toEqual(["tdd"]);
    expect(f.json).toBe(true);
    expect(f.answers).toEqual({ ship: "yes", why: "because" });
    expect(f.timeoutMs).toBe(30 * 60_000);
    expect(f.maxCostUsd).toBe(5);
    expect(f.cwd).toBe("/x");
    expect(f.rest).toEqual({ feature: "rate limit", n: "3", "dry-run": true });
  });

  test("rejects malformed aegis flags with usage errors", () => {
    expect(() => parseRunFlags(["x", "--answer", "noequals"])).toThrow(/key=value/);
    expect(() => parseRunFlags(["x", "--max-cost", "-1"])).toThrow(/positive/);
    expect(() => parseRunFlags(["x", "--timeout"])).toThrow(/needs a value/);
    try {
      parseRunFlags(["x", "--timeout", "soon"]);
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

describe("coerceArgs", () => {
  const defaults = { n: 2, loud: false, who: "world", opts: { a: 1 }, maxRetries: 3 };

  test("types values by the defaults and keeps the rest as strings", () => {
    expect(coerceArgs({ n: "7", loud: "yes", who: "42", other: "x", opts: '{"b":2}', "max-retries": "5" }, defaults))
      .toEqual({ n: 7, loud: true, who: "42", other: "x", opts: { b: 2 }, maxRetries: 5 });
  });

  test("bare flags are true, --no-flag is false, dashed names become camelCase", () => {
    expect(coerceArgs({ loud: true, "no-loud": true, "dry-run": true }, defaults)).toEqual({ loud: false, dryRun: true });
  });

  test("a value that does not fit its default's type is a usage error naming the flag", () => {
    expect(() => coerceArgs({ n: "many" }, defaults)).toThrow(/--n must be a number/);
    expect(() => coerceArgs({ loud: "maybe" }, defaults)).toThrow(/--loud must be true or false/);
    expect(() => coerceArgs({ opts: "{" }, defaults)).toThrow(/--opts must be JSON/);
  });
});
