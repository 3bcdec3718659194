// The one command-line parser: `node:util` parseArgs in strict mode, driven by each command's citty `args`
// declaration, which is also what `--help` renders. A flag is declared once. Unknown options and surplus arguments are
// usage errors (exit 2) with a did-you-mean. `aegis run` alone lets unknown `--key=value` options through: they are
// the workflow's arguments (typed later by its schema, src/workflow/arg-schema.ts). Nothing here runs a command.

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { ArgDef } from "citty";
import { didYouMean } from "../config/validate.ts";
import { UsageError } from "../util/errors.ts";

/** A citty declaration, where a string flag may say it can be given more than once (its values come as a list). */
export type AegisArgsDef = Record<string, ArgDef & { repeatable?: boolean }>;

/** What a command receives: declared flags by name, positionals by their declared names, the workflow's extras. */
export interface ParsedCommandLine {
  args: Record<string, unknown>;
  positionals: string[];
  /** Undeclared `--key[=value]` options (only with `passthrough`); a repeated key keeps every value. */
  extra: Record<string, string | true | (string | true)[]>;
}

export interface ParseOptions {
  /** Undeclared options are data (the workflow's arguments of `aegis run`), not mistakes. */
  passthrough?: boolean;
}

/** Parses `argv` (what follows the command words) against `defs`; `name` is the command path, e.g. "config validate". */
export function parseCommandLine(defs: AegisArgsDef, argv: readonly string[], name: string, opts: ParseOptions = {}): ParsedCommandLine {
  const options = optionsOf(defs);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: !opts.passthrough, allowPositionals: true, allowNegative: true, tokens: true });
  } catch (err) {
    throw usageError(err, argv, name, options);
  }
  const extra: ParsedCommandLine["extra"] = {};
  const positionals: string[] = [];
  const tokens = parsed.tokens ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "positional") positionals.push(t.value);
    if (t.kind !== "option") continue;
    const known = options[t.name];
    if (known) {
      if (known.type === "string" && t.value === undefined) throw new UsageError(`--${t.name} needs a value`, `run \`aegis ${name} --help\` for its options`);
      if (known.type === "boolean" && t.value !== undefined) throw new UsageError(`--${t.name} takes no value`, `run \`aegis ${name} --help\` for its options`);
      continue;
    }
    // A workflow argument: `--key=value`, `--key value` (the next word, unless the key is a `--no-` negation), `--flag`.
    const key = t.rawName.replace(/^--?/, ""); // as typed: parseArgs reads `--no-x` as x, arg-schema.ts decides
    let value: string | true = t.value ?? true;
    const next = tokens[i + 1];
    if (t.value === undefined && next?.kind === "positional" && next.index === t.index + 1 && !key.startsWith("no-")) {
      value = next.value;
      i++;
    }
    const prev = extra[key];
    extra[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  const declared = Object.entries(defs).filter(([, d]) => d.type === "positional").map(([k]) => k);
  if (positionals.length > declared.length) {
    throw new UsageError(`\`aegis ${name}\` takes ${declared.length === 0 ? "no arguments" : `at most ${declared.length} argument${declared.length === 1 ? "" : "s"}`}; got ${positionals.length}`,
      "quote an argument that contains spaces, e.g. \"like this\"");
  }
  const args: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    // A long alias is its own parseArgs option: its values join the flag's, in command-line order.
    const names = new Set([key, ...aliasesOf(def).filter((a) => a.length > 1)]);
    const given = tokens.flatMap((t) => (t.kind === "option" && names.has(t.name) ? [t] : []));
    let v: unknown = given.length === 0 ? undefined
      : def.type === "boolean" ? !given.at(-1)!.rawName.startsWith("--no-")
      : given.map((t) => t.value);
    if (Array.isArray(v) && !(def as { repeatable?: boolean }).repeatable) v = v.at(-1); // the last one wins, as in most CLIs
    if (v === undefined && def.default !== undefined) v = def.default;
    if (v !== undefined) args[key] = v;
    if (def.type === "enum" && typeof v === "string" && def.options && !def.options.includes(v)) {
      throw new UsageError(`--${key} must be one of ${def.options.join(", ")}; got "${v}"`);
    }
  }
  declared.forEach((key, i) => {
    if (positionals[i] !== undefined) args[key] = positionals[i];
    else if (defs[key]!.required) throw new UsageError(`\`aegis ${name}\` needs its <${key}> argument`, `run \`aegis ${name} --help\` for its usage`);
  });
  return { args, positionals, extra };
}

/** The parseArgs options a citty declaration stands for: aliases of one letter are short options, longer ones their own. */
export function optionsOf(defs: AegisArgsDef): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = {};
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const type = def.type === "boolean" ? "boolean" : "string";
    const aliases = aliasesOf(def);
    const short = aliases.find((a) => a.length === 1);
    options[key] = { type, ...(type === "string" ? { multiple: true } : {}), ...(short ? { short } : {}) };
    for (const long of aliases.filter((a) => a.length > 1)) options[long] = options[key]!;
  }
  return options;
}

function aliasesOf(def: ArgDef): string[] {
  return "alias" in def && def.alias !== undefined ? [def.alias].flat() : [];
}

/** parseArgs's own error, reworded with the flag and a did-you-mean from the declaration. */
function usageError(err: unknown, argv: readonly string[], name: string, options: ParseArgsOptionsConfig): unknown {
  const code = (err as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    // Parsed again leniently to learn which token it was (parseArgs names it only inside its message).
    const tokens = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, allowNegative: true, tokens: true }).tokens ?? [];
    const bad = tokens.find((t) => t.kind === "option" && !options[t.name]);
    const raw = bad?.kind === "option" ? bad.rawName : "";
    const known = Object.keys(options).filter((k) => k.length > 1);
    const hint = bad?.kind === "option" ? didYouMean(bad.name, known).replace(/"([^"]+)"/, "--$1") : "";
    return new UsageError(`unknown option ${raw} for \`aegis ${name}\`${hint}`, `run \`aegis ${name} --help\` for its options`);
  }
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec((err as Error).message)?.[1];
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    const what = options[flag.replace(/^-+/, "")]?.type === "boolean" || /does not take/.test((err as Error).message) ? "takes no value" : "needs a value";
    return new UsageError(`${flag} ${what}`, `run \`aegis ${name} --help\` for its options`);
  }
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
    return new UsageError(`${(err as Error).message.split(". ")[0]} for \`aegis ${name}\``, `run \`aegis ${name} --help\` for its options`);
  }
  return err;
}

/** Flags every command understands that may also come before the command word: `aegis --cwd dir run x`. */
const GLOBAL: ParseArgsOptionsConfig = { cwd: { type: "string" }, config: { type: "string" }, json: { type: "boolean" } };

/** Moves global flags given before the command words to after them, where the command's own parse finds them. */
export function hoistGlobalFlags(argv: readonly string[]): string[] {
  const { tokens } = parseArgs({ args: [...argv], options: GLOBAL, strict: false, allowPositionals: true, tokens: true });
  let end = 0; // argv index where the leading global flags stop
  for (const t of tokens) {
    if (t.kind !== "option" || !GLOBAL[t.name]) break;
    end = t.index + (GLOBAL[t.name]!.type === "string" && !t.inlineValue ? 2 : 1);
  }
  if (end === 0 || end >= argv.length) return [...argv];
  const rest = argv.slice(end);
  let words = 0;
  while (words < rest.length && !rest[words]!.startsWith("-")) words++;
  return [...rest.slice(0, words), ...argv.slice(0, end), ...rest.slice(words)];
}
