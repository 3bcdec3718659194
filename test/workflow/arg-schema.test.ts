// A workflow's arguments (#10): typed from command-line text by its schema (or by the text without one), validated
// with defaults applied for every way a run starts, and listed for `aegis run <workflow> --help`.
import { describe, expect, test } from "bun:test";
import { z as realZod } from "zod";
import { argDefaults, argInfo, argsUsage, coerceCliArgs, validateArgs } from "../../src/workflow/arg-schema.ts";
import { z } from "../../src/workflow/z.ts";

const args = z.object({
  topic: z.string().default("durable workflows").describe("What to write about"),
  count: z.number().int().min(1).default(3),
  dryRun: z.boolean().default(false),
  mode: z.enum(["fast", "careful"]).optional(),
  tags: z.array(z.string()).optional(),
  opts: z.object({ depth: z.number() }).optional(),
});
const wf = { name: "write", args };

const usageError = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; hint?: string };
  }
  throw new Error("no error");
};

describe("with a schema (#10)", () => {
  test("command-line text is typed by the schema; dashed names find camelCase ones; repeats make lists", () => {
    expect(coerceCliArgs({ topic: "42", count: "7", "dry-run": true, mode: "fast", tags: ["a", "b"], opts: '{"depth":2}' }, args, "write"))
      .toEqual({ topic: "42", count: 7, dryRun: true, mode: "fast", tags: ["a", "b"], opts: { depth: 2 } });
    expect(coerceCliArgs({ "no-dry-run": true, tags: "one" }, args, "write")).toEqual({ dryRun: false, tags: ["one"] });
  });

  test("validation applies the defaults", () => {
    expect(validateArgs(wf, { count: 2 })).toEqual({ topic: "durable workflows", count: 2, dryRun: false });
  });

  test("an argument the schema does not name is a usage error with a did-you-mean", () => {
    const err = usageError(() => coerceCliArgs({ topik: "x" }, args, "write"));
    expect(err.code).toBe("E_USAGE");
    expect(err.message).toContain("--topik");
    expect(err.message).toContain("did you mean --topic?");
  });

  test("a bad value is a usage error naming the argument, what it got and what is allowed", () => {
    const notNumber = usageError(() => validateArgs(wf, coerceCliArgs({ count: "lots" }, args, "write")));
    expect(notNumber.code).toBe("E_USAGE");
    expect(notNumber.message).toContain("--count");
    expect(notNumber.message).toContain('"lots"');
    expect(notNumber.message).toMatch(/expected number/);
    const tooSmall = usageError(() => validateArgs(wf, { count: 0 }));
    expect(tooSmall.message).toMatch(/--count: .*>=1.*\(got 0\)/);
    const badEnum = usageError(() => validateArgs(wf, { mode: "slow" }));
    expect(badEnum.message).toContain("--mode");
    expect(badEnum.message).toMatch(/fast.*careful/);
    expect(badEnum.hint).toContain("aegis run write --help");
  });

  test("a required argument left out is reported as required, not as \"received undefined\" (#10)", () => {
    const err = usageError(() => validateArgs({ name: "greet", args: z.object({ name: z.string(), times: z.number().default(1) }) }, {}));
    expect(err.code).toBe("E_USAGE");
    expect(err.message).toContain("--name: required, not given");
    expect(err.message).not.toContain("undefined");
  });

  test("--help lists each argument with its type and default, from the schema", () => {
    const text = argsUsage({ ...wf, description: "Writes" });
    expect(text).toContain("WORKFLOW write: Writes");
    expect(text).toMatch(/--topic <string>\s+What to write about \(default: "durable workflows"\)/);
    expect(text).toMatch(/--count <integer>\s+\(default: 3\)/);
    expect(text).toMatch(/--dry-run\s+\(default: false\)/);
    expect(text).toMatch(/--mode <fast\|careful>\s+\(optional\)/);
    expect(text).toMatch(/--tags <string\[\]>/);
    expect(argDefaults(args)).toEqual({ topic: "durable workflows", count: 3, dryRun: false });
    expect(argInfo(z.object({ id: z.string() }))).toEqual([{ name: "id", type: "string", required: true }]);
  });

  test("an optional argument whose description names its default is not also marked (optional) (#13)", () => {
    const text = argsUsage({ name: "w", args: z.object({ agent: z.string().optional().describe("Who (default: the config's defaultAgent)"), hint: z.string().optional() }) });
    expect(text).toMatch(/--agent <string>\s+Who \(default: the config's defaultAgent\)\n/);
    expect(text).toMatch(/--hint <string>\s+\(optional\)/);
  });

  test("a schema from an installed zod works the same", () => {
    const own = realZod.object({ n: realZod.number().default(1) });
    expect(coerceCliArgs({ n: "5" }, own, "w")).toEqual({ n: 5 });
    expect(validateArgs({ name: "w", args: own }, {})).toEqual({ n: 1 });
  });
});

describe("without a schema (#10)", () => {
  test("free --key=value arguments: numbers and true/false by their text, the rest strings, --no-x false", () => {
    expect(coerceCliArgs({ n: "3", f: "1.5", id: "007", big: "1e3", on: "true", off: "false", who: "Ada", loud: true, "no-color": true, "max-retries": "2" }, undefined, "free"))
      .toEqual({ n: 3, f: 1.5, id: "007", big: "1e3", on: true, off: false, who: "Ada", loud: true, color: false, maxRetries: 2 });
    expect(validateArgs({ name: "free" }, { a: 1 })).toEqual({ a: 1 });
    expect(argsUsage({ name: "free" })).toContain("free --key=value arguments");
  });
});

describe("every way a run starts goes through the schema (#10)", () => {
  test("startRun records the validated arguments (defaults applied) and refuses bad ones before recording a run", async () => {
    const { rig } = await import("./helpers.ts");
    const { listRuns } = await import("../../src/store/runs.ts");
    const { workflow, clearRegistry } = await import("../../src/workflow/registry.ts");
    await using r = rig({});
    const wf = workflow("count-up", async (_e, { count, label }) => `${label}:${count}`, {
      args: z.object({ count: z.number().int().min(1).default(2), label: z.string().default("n") }),
    });
    const ok = await r.run(wf, { count: 5 });
    expect(ok.status).toBe("done");
    expect(ok.result).toBe("n:5");
    expect(JSON.parse(listRuns(r.rt.store)[0]!.args)).toEqual({ count: 5, label: "n" });
    expect(() => r.run(wf, { count: "5" })).toThrow(/--count: .*expected number/);
    // from a script or an agent too, a misspelled argument is refused rather than dropped by the schema
    expect(() => r.run(wf, { cuont: 5 })).toThrow('workflow "count-up" takes no argument --cuont; did you mean --count?');
    expect(listRuns(r.rt.store)).toHaveLength(1);
    clearRegistry();
  });
});
