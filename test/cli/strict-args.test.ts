import { expect, test } from "bun:test";
import { defineCommand } from "citty";
import { checkArgs } from "../../src/cli/strict-args.ts";

const cmd = defineCommand({
  meta: { name: "work" },
  args: {
    queue: { type: "string" },
    "until-idle": { type: "boolean" },
    follow: { type: "boolean", alias: "f" },
    target: { type: "positional", required: false },
  },
});

test("known flags, values, aliases and negations pass (#2)", async () => {
  await checkArgs(cmd, ["--queue", "q", "--until-idle", "x"], "work");
  await checkArgs(cmd, ["--queue=q", "-f", "--no-until-idle"], "work");
  await checkArgs(cmd, ["--", "-literal"], "work");
});

test("an unknown flag is a usage error with a did-you-mean (#2)", async () => {
  const err = await checkArgs(cmd, ["--until-idel"], "work").catch((e) => e);
  expect(err.code).toBe("E_USAGE");
  expect(err.message).toContain("--until-idel");
  expect(err.message).toContain("did you mean --until-idle?");
});

test("surplus positionals are refused, so an unquoted prompt does not lose words (#2)", async () => {
  const err = await checkArgs(cmd, ["a", "b"], "work").catch((e) => e);
  expect(err.code).toBe("E_USAGE");
  expect(err.message).toContain("at most 1 argument");
  // a flag's value is not a positional
  await checkArgs(cmd, ["--queue", "q", "a"], "work");
});

test("aegis run passes workflow arguments through (#2)", async () => {
  await checkArgs(cmd, ["wf", "--anything=1", "--topic", "x"], "run");
});
