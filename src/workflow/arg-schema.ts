// A workflow's arguments: the optional schema it declares (`workflow(name, fn, { args: z.object({…}) })`, any
// Standard Schema such as zod's), how `--key=value` text from the command line becomes typed values (by the schema's
// JSON Schema, or by the text itself when there is no schema), validation for every way a run starts (CLI, library,
// MCP), and the listing `aegis run <workflow> --help` prints. It must not parse aegis's own flags (cli/parse.ts does).

import { didYouMean } from "../config/validate.ts";
import { UsageError } from "../util/errors.ts";

/** One problem a schema reports (Standard Schema's issue shape). */
export interface ArgsIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/**
 * A schema for a workflow's arguments: any [Standard Schema](https://standardschema.dev) object schema, such as zod's
 * `z.object({…})` (also exported by aegis as `z`). aegis validates each run's arguments with it (defaults applied),
 * and reads its JSON Schema, when it offers one, to type command-line values and list them in `--help`.
 */
export interface ArgsSchema<Output = Record<string, unknown>> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<ArgsIssue> }
      | Promise<{ readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<ArgsIssue> }>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
    readonly jsonSchema?: { input(options: { target: "draft-2020-12" }): Record<string, unknown> };
  };
}

/** The part of a JSON Schema property aegis reads. */
interface JsonProp { type?: string | string[]; enum?: unknown[]; default?: unknown; description?: string; anyOf?: JsonProp[]; items?: JsonProp; const?: unknown }

/** One argument as `--help` lists it. */
export interface ArgInfo { name: string; type: string; required: boolean; default?: unknown; description?: string }

interface Described { props: Record<string, JsonProp>; required: Set<string>; open: boolean }

function describe(schema: ArgsSchema<unknown>): Described | undefined {
  let json: { properties?: Record<string, JsonProp>; required?: string[]; additionalProperties?: unknown } | undefined;
  try {
    json = schema["~standard"].jsonSchema?.input({ target: "draft-2020-12" });
  } catch {
    return undefined; // a schema with parts JSON Schema cannot express (transforms, …) is still validated, just not listed
  }
  if (!json?.properties) return undefined;
  const extra = json.additionalProperties;
  return { props: json.properties, required: new Set(json.required ?? []), open: extra !== undefined && extra !== false };
}

/** The workflow's arguments as `--help` lists them; undefined when it has no schema or the schema has no JSON form. */
export function argInfo(schema: ArgsSchema<unknown> | undefined): ArgInfo[] | undefined {
  const d = schema && describe(schema);
  if (!d) return undefined;
  return Object.entries(d.props).map(([name, p]) => ({
    name, type: typeName(p), required: d.required.has(name) && p.default === undefined,
    ...(p.default !== undefined ? { default: p.default } : {}), ...(p.description ? { description: p.description } : {}),
  }));
}

/** Defaults the schema declares, by argument name. */
export function argDefaults(schema: ArgsSchema<unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries((argInfo(schema) ?? []).filter((a) => "default" in a).map((a) => [a.name, a.default]));
}

function typeName(p: JsonProp): string {
  if (p.enum) return p.enum.map((v) => String(v)).join("|");
  if (p.const !== undefined) return JSON.stringify(p.const);
  if (p.anyOf) return p.anyOf.filter((a) => a.type !== "null").map(typeName).join("|") || "null";
  const t = Array.isArray(p.type) ? p.type.filter((x) => x !== "null").join("|") : p.type ?? "any";
  return t === "array" && p.items ? `${typeName(p.items)}[]` : t;
}

function primaryType(p: JsonProp | undefined): string | undefined {
  if (!p) return undefined;
  if (p.anyOf) return primaryType(p.anyOf.find((a) => a.type !== "null"));
  if (p.enum) return typeof p.enum[0] === "number" ? "number" : typeof p.enum[0] === "boolean" ? "boolean" : "string";
  return Array.isArray(p.type) ? p.type.find((x) => x !== "null") : p.type;
}

type Raw = string | true | (string | true)[];

/**
 * Command-line values (`--key=value` text, `true` for a bare flag) to typed arguments. With a schema, each value is
 * typed by its property (number, integer, boolean, array, object as JSON); a key the schema does not name is a usage
 * error with a did-you-mean. Without one, numbers and true/false are typed by their text and the rest stay strings.
 * Dashed names become camelCase unless the schema names the dashed form.
 */
export function coerceCliArgs(extra: Record<string, Raw>, schema: ArgsSchema<unknown> | undefined, workflow: string): Record<string, unknown> {
  const d = schema && describe(schema);
  const out: Record<string, unknown> = {};
  for (const [rawKey, raw] of Object.entries(extra)) {
    let key = rawKey;
    let value: Raw = raw;
    const names = d ? Object.keys(d.props) : [];
    const known = (k: string) => names.includes(k);
    if (raw === true && key.startsWith("no-") && !known(key)) [key, value] = [key.slice(3), "false"];
    if (!known(key) && (known(camel(key)) || key.includes("-"))) key = camel(key);
    if (d && !known(key) && !d.open) {
      throw new UsageError(`workflow "${workflow}" takes no argument --${rawKey}${didYouMean(rawKey, names.map(kebab)).replace(/"([^"]+)"/, "--$1")}`,
        `its arguments: ${names.map((n) => `--${kebab(n)}`).join(", ") || "(none)"}; see aegis run ${workflow} --help`);
    }
    const type = primaryType(d?.props[key]);
    out[key] = Array.isArray(value)
      ? value.map((v) => typed(v, primaryType(d?.props[key]?.items)))
      : type === "array" ? [typed(value, primaryType(d?.props[key]?.items))].flat() : typed(value, type);
  }
  return out;
}

function typed(v: string | true, type: string | undefined): unknown {
  if (v === true) return true;
  if (type === "number" || type === "integer") return v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
  if (type === "boolean") {
    const b = v.toLowerCase();
    return ["true", "1", "yes", "on"].includes(b) ? true : ["false", "0", "no", "off"].includes(b) ? false : v;
  }
  if (type === "object" || type === "array") {
    try {
      return JSON.parse(v);
    } catch {
      return v; // the schema names what it expected
    }
  }
  if (type !== undefined) return v;
  // No schema: the text decides. A number only when it reads back the same ("007" and "1e3" stay strings).
  if (v === "true" || v === "false") return v === "true";
  return v.trim() !== "" && String(Number(v)) === v ? Number(v) : v;
}

/** `dryRun` is typed `--dry-run` on the command line (either spelling works). */
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function camel(s: string): string {
  return s.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * The arguments a run gets: validated by the workflow's schema (its defaults applied), or as given when it has none.
 * A bad value is a usage error naming the argument, what it got and what the schema allows.
 */
export function validateArgs(workflow: { name: string; args?: ArgsSchema<unknown> }, input: Record<string, unknown>): Record<string, unknown> {
  const schema = workflow.args;
  if (!schema) return { ...input };
  // An object schema drops keys it does not name: a misspelled argument would vanish without a word.
  const d = describe(schema);
  const unknown = d && !d.open ? Object.keys(input).filter((k) => !(k in d.props)) : [];
  if (d && unknown.length) {
    const names = Object.keys(d.props);
    throw new UsageError(`workflow "${workflow.name}" takes no argument ${unknown.map((k) => `--${kebab(k)}`).join(", ")}${didYouMean(unknown[0]!, names).replace(/"([^"]+)"/, (_m, n: string) => `--${kebab(n)}`)}`,
      `its arguments: ${names.map((n) => `--${kebab(n)}`).join(", ") || "(none)"}; see aegis run ${workflow.name} --help`);
  }
  const result = schema["~standard"].validate(input);
  if (result instanceof Promise) {
    throw new UsageError(`workflow "${workflow.name}": its args schema validates asynchronously, which aegis does not support`, "use a schema without async refinements");
  }
  if (!result.issues) return result.value as Record<string, unknown>;
  const lines = result.issues.map((i) => {
    const path = (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
    const got = path.length ? path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], input) : undefined;
    // A top-level argument not given at all fails only when required: say so, not "expected string, received undefined".
    const missing = path.length === 1 && !(path[0]! in input);
    return `${path.length ? `--${path.map((p) => kebab(p)).join(".")}` : "arguments"}: ${missing ? "required, not given" : i.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ""}`;
  });
  throw new UsageError(`bad argument${lines.length === 1 ? "" : "s"} for workflow "${workflow.name}": ${lines.join("; ")}`,
    `see its arguments: aegis run ${workflow.name} --help`);
}

/** The arguments section of `aegis run <workflow> --help`. */
export function argsUsage(workflow: { name: string; description?: string; args?: ArgsSchema<unknown> }): string {
  const head = `WORKFLOW ${workflow.name}${workflow.description ? `: ${workflow.description}` : ""}\n\n`;
  const info = argInfo(workflow.args);
  if (!info) {
    return `${head}${workflow.args ? "  Its args schema has no JSON Schema form to list; values are checked when the run starts.\n"
      : "  No args schema: it takes free --key=value arguments (numbers and true/false typed by their text, the rest strings).\n"}`;
  }
  if (info.length === 0) return `${head}  It takes no arguments.\n`;
  const rows = info.map((a) => [`--${kebab(a.name)}${a.type === "boolean" ? "" : ` <${a.type}>`}`,
    // "(optional)" is left out where the description already names the default, e.g. "(default: the config's defaultAgent)".
    [a.description, a.required ? "(required)" : "default" in a ? `(default: ${JSON.stringify(a.default)})` : a.description?.includes("(default") ? "" : "(optional)"].filter(Boolean).join(" ")]);
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return `${head}ARGUMENTS\n\n${rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`).join("\n")}\n`;
}
