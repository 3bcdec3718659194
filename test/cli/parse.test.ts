// The one command-line parser (cli/parse.ts): strict parseArgs driven by each command's citty declaration.
import { expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { hoistGlobalFlags, parseCommandLine, type AegisArgsDef } from "../../src/cli/parse.ts";
import { subCommands } from "../../src/cli/root.ts";

const defs = {
  queue: { type: "string" },
  "until-idle": { type: "boolean" },
  follow: { type: "boolean", alias: "f" },
  answer: { type: "string", repeatable: true },
  target: { type: "positional", required: false },
} as const satisfies AegisArgsDef;

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error("no error");
};

test("known flags, values, aliases and negations pass (#2)", () => {
  expect(parseCommandLine(defs, ["--queue", "q", "--until-idle", "x"], "work").args).toEqual({ queue: "q", "until-idle": true, target: "x" });
  expect(parseCommandLine(defs, ["--queue=q", "-f", "--no-until-idle"], "work").args).toEqual({ queue: "q", follow: true, "until-idle": false });
  expect(parseCommandLine(defs, ["--", "-literal"], "work").args).toEqual({ target: "-literal" });
});

test("a repeatable flag keeps every value; another flag given twice keeps the last (#10)", () => {
  expect(parseCommandLine(defs, ["--answer", "a=1", "--answer=b=2", "--queue", "x", "--queue=y"], "run").args).toEqual({ answer: ["a=1", "b=2"], queue: "y" });
});

test("an unknown flag is a usage error with a did-you-mean (#2)", () => {
  const err = usage(() => parseCommandLine(defs, ["--until-idel"], "work"));
  expect(err.code).toBe("E_USAGE");
  expect(err.message).toContain("--until-idel");
  expect(err.message).toContain("did you mean --until-idle?");
});

test("a flag missing its value, or a value given to a switch, is a usage error naming it (#10)", () => {
  expect(usage(() => parseCommandLine(defs, ["--queue"], "work"))).toMatchObject({ code: "E_USAGE", message: expect.stringContaining("--queue") });
  expect(usage(() => parseCommandLine(defs, ["--follow=yes"], "work"))).toMatchObject({ code: "E_USAGE", message: expect.stringContaining("--follow") });
  expect(usage(() => parseCommandLine(defs, ["wf", "--queue"], "run", { passthrough: true }))).toMatchObject({ code: "E_USAGE", message: "--queue needs a value" });
});

test("surplus positionals are refused, so an unquoted prompt does not lose words (#2)", () => {
  const err = usage(() => parseCommandLine(defs, ["a", "b"], "work"));
  expect(err.code).toBe("E_USAGE");
  expect(err.message).toContain("at most 1 argument");
  // a flag's value is not a positional
  expect(parseCommandLine(defs, ["--queue", "q", "a"], "work").positionals).toEqual(["a"]);
});

test("a missing required positional is a usage error (#10)", () => {
  const err = usage(() => parseCommandLine({ id: { type: "positional", required: true } }, [], "task"));
  expect(err).toMatchObject({ code: "E_USAGE", message: expect.stringContaining("<id>") });
});

test("aegis run passes workflow arguments through, its own flags still checked (#2)", () => {
  const r = parseCommandLine(defs, ["wf", "--anything=1", "--topic", "x", "--dry-run", "--no-loud", "--tag=a", "--tag", "b", "--queue=q"], "run", { passthrough: true });
  expect(r.args).toEqual({ target: "wf", queue: "q" });
  expect(r.extra).toEqual({ anything: "1", topic: "x", "dry-run": true, "no-loud": true, tag: ["a", "b"] });
  expect(usage(() => parseCommandLine(defs, ["wf", "extra"], "run", { passthrough: true })).message).toContain("at most 1 argument");
});

test("global flags before the command move after its words (#10)", () => {
  expect(hoistGlobalFlags(["--cwd", "x", "config", "validate"])).toEqual(["config", "validate", "--cwd", "x"]);
  expect(hoistGlobalFlags(["--config=a.ts", "--json", "run", "wf", "--k=v"])).toEqual(["run", "wf", "--config=a.ts", "--json", "--k=v"]);
  expect(hoistGlobalFlags(["run", "wf", "--cwd", "x"])).toEqual(["run", "wf", "--cwd", "x"]);
});

test("every command's declaration maps onto the parser: no flag is declared twice under one name (#10)", async () => {
  for (const [name, load] of Object.entries(subCommands)) {
    const cmd = await load();
    const subs = (typeof cmd.subCommands === "function" ? await cmd.subCommands() : cmd.subCommands) ?? {};
    for (const c of [cmd, ...Object.values(subs) as typeof cmd[]]) {
      const args = ((typeof c.args === "function" ? await c.args() : c.args) ?? {}) as ArgsDef;
      const names = Object.entries(args).flatMap(([k, d]) => (d.type === "positional" ? [] : [k, ...("alias" in d && d.alias ? [d.alias].flat() : [])]));
      expect(new Set(names).size, `aegis ${name}`).toBe(names.length);
      // `--no-x` is the negation of a boolean x: a flag declared as "no-x" could never be given
      expect(names.filter((n) => n.startsWith("no-")), `aegis ${name}`).toEqual([]);
      expect(() => parseCommandLine(args, ["--help-me"], name)).toThrow(/unknown option --help-me/);
    }
  }
});

test("aegis mcp --no-workers turns its workers off; they are on by default (#10)", async () => {
  const mcp = await subCommands.mcp!();
  const defs = mcp.args as ArgsDef;
  expect(parseCommandLine(defs, ["--no-workers"], "mcp").args.workers).toBe(false);
  expect(parseCommandLine(defs, [], "mcp").args.workers).toBe(true);
});

test("a long alias counts as its flag; a repeatable flag is declared so next to it (#10)", () => {
  const d: AegisArgsDef = { model: { type: "string", alias: ["m", "llm"] }, tag: { type: "string", repeatable: true }, quiet: { type: "boolean", alias: ["silent"] } };
  expect(parseCommandLine(d, ["--llm", "a", "-m", "b", "--tag=x", "--tag", "y", "--silent"], "x").args).toEqual({ model: "b", tag: ["x", "y"], quiet: true });
  expect(parseCommandLine(d, ["--silent", "--no-quiet"], "x").args).toEqual({ quiet: false });
});
