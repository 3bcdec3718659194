// Structured replies for no-code workflows: compiling a node's JSON Schema (ajv, draft 2020-12 or draft-07 as its
// `$schema` says), the hint appended to the prompt, and reading a reply — the outermost JSON value in it (a bare
// value, one inside a ``` fence, or the first balanced {…} / […] in prose) checked against the schema. It must not
// send anything: the interpreter owns the turns and the one retry.

import Ajv, { type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";

const OPTIONS = { allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false } as const;
let ajv2020: Ajv2020 | undefined;
let ajv07: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** A checker for `schema`; a string says why the schema itself is not valid. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction | string {
  const hit = compiled.get(schema);
  if (hit) return hit;
  const draft = typeof schema.$schema === "string" ? schema.$schema : undefined;
  let engine: Ajv | Ajv2020;
  if (draft === undefined || draft.includes("2020-12")) engine = ajv2020 ??= new Ajv2020(OPTIONS);
  else if (draft.includes("draft-07")) engine = ajv07 ??= new Ajv(OPTIONS);
  else return `$schema ${JSON.stringify(draft)} is not supported: use draft 2020-12 (the default, no $schema needed) or draft-07`;
  try {
    // Compiled as a copy without $id, so two nodes (or a file loaded twice) may use the same $id.
    const { $id: _id, ...rest } = schema;
    const fn = engine.compile(rest);
    compiled.set(schema, fn);
    return fn;
  } catch (err) {
    return (err as Error).message.replace(/^schema is invalid: /, "").replace(/\bdata\b/g, "schema");
  }
}

/** The text appended to a prompt whose node has a schema. */
export function schemaHint(schema: Record<string, unknown>): string {
  return `\n\nReply with only a JSON value matching this JSON Schema, with no other text before or after it:\n${JSON.stringify(schema, null, 2)}`;
}

/** What a reply gave: the value, or why it does not do. */
export type ReplyCheck = { ok: true; value: unknown } | { ok: false; error: string };

/** Reads the outermost JSON value of a reply and checks it against the compiled schema. */
export function checkReply(reply: string, validate: ValidateFunction): ReplyCheck {
  const value = extractJson(reply);
  if (value === NOT_FOUND) return { ok: false, error: "the reply holds no JSON value" };
  if (validate(value)) return { ok: true, value };
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath ? `reply${e.instancePath.replaceAll("/", ".")}` : "reply"} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` ("${String(e.params.additionalProperty)}")` : ""}`);
  return { ok: false, error: errors.join("; ") || "the reply does not match the schema" };
}

const NOT_FOUND = Symbol("no JSON");

/** The outermost JSON value in `text`, or NOT_FOUND. */
export function extractJson(text: string): unknown {
  const t = text.trim();
  const direct = tryParse(t);
  if (direct !== NOT_FOUND) return direct;
  const fence = /```(?:json|JSON)?\s*\n([\s\S]*?)\n?```/.exec(t);
  if (fence) {
    const v = tryParse(fence[1]!.trim());
    if (v !== NOT_FOUND) return v;
  }
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== "{" && t[i] !== "[") continue;
    const end = balancedEnd(t, i);
    if (end < 0) continue;
    const v = tryParse(t.slice(i, end + 1));
    if (v !== NOT_FOUND) return v;
  }
  return NOT_FOUND;
}

/** The index of the bracket closing the one at `start` (strings and escapes skipped), or -1. */
function balancedEnd(t: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < t.length; i++) {
    const c = t[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === "\"") inString = false;
    } else if (c === "\"") inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function tryParse(s: string): unknown {
  if (s === "") return NOT_FOUND;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return NOT_FOUND; // not JSON here: the caller looks further in
  }
}

/** The schema a judge's reply must match. */
export const JUDGE_SCHEMA = {
  type: "object",
  properties: {
    decision: { type: "boolean", description: "true when the condition holds" },
    reason: { type: "string", description: "one or two sentences why" },
  },
  required: ["decision", "reason"],
  additionalProperties: false,
} as const;
