// Strict checking of a command's flags and positionals before citty parses them: citty accepts anything, and a
// mistyped `--until-idel` that is silently ignored makes `aegis work` run forever. Unknown flags and surplus
// arguments are usage errors (exit 2) with a did-you-mean.

import type { ArgsDef, CommandDef } from "citty";
import { didYouMean } from "../config/validate.ts";
import { UsageError } from "../util/errors.ts";

/** Commands whose extra `--key=value` flags are data (a workflow's arguments), not options. */
const PASSTHROUGH = new Set(["run"]);

/** Throws a UsageError for an unknown option or a surplus argument; `name` is the command path, e.g. "config validate". */
export async function checkArgs(cmd: CommandDef<any>, rawArgs: string[], name: string): Promise<void> {
  if (PASSTHROUGH.has(name)) return;
  const defs = ((typeof cmd.args === "function" ? await cmd.args() : await cmd.args) ?? {}) as ArgsDef;
  const flags = new Map<string, { takesValue: boolean }>();
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const spec = { takesValue: def.type !== "boolean" };
    for (const n of [key, ...toArray((def as { alias?: string | string[] }).alias)]) flags.set(n, spec);
  }
  const positionals = Object.values(defs).filter((d) => d.type === "positional").length;
  let seen = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") {
      seen += rawArgs.length - i - 1;
      break;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const [raw = "", inline] = splitFlag(arg);
      const key = flags.has(raw) ? raw : raw.startsWith("no-") && flags.get(raw.slice(3))?.takesValue === false ? raw.slice(3) : raw;
      const spec = flags.get(key);
      if (!spec) {
        const known = [...flags.keys()].filter((k) => k.length > 1);
        throw new UsageError(`unknown option ${arg.split("=")[0]} for \`aegis ${name}\`${didYouMean(raw, known).replace(/"([^"]+)"/, "--$1")}`,
          `run \`aegis ${name} --help\` for its options`);
      }
      if (spec.takesValue && inline === undefined) i++; // `--name value`
      continue;
    }
    seen++;
  }
  if (seen > positionals) {
    throw new UsageError(`\`aegis ${name}\` takes ${positionals === 0 ? "no arguments" : `at most ${positionals} argument${positionals === 1 ? "" : "s"}`}; got ${seen}`,
      "quote an argument that contains spaces, e.g. \"like this\"");
  }
}

function splitFlag(arg: string): [string, string | undefined] {
  const body = arg.replace(/^--?/, "");
  const eq = body.indexOf("=");
  return eq < 0 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

function toArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
