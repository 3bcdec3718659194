// The workflow registry: `workflow(name?, fn, opts?)` records a workflow under its name together with the file that
// registered it, so two different workflows with one name fail with an error naming both files. Registering again
// from the same file (a module imported twice) replaces the entry. It must not import or run workflow files.

import { fileURLToPath } from "node:url";
import { ConfigError } from "../util/errors.ts";
import type { WorkflowEngine } from "./engine-types.ts";

/** A workflow's body: an async function receiving the engine and the run's arguments. */
export type WorkflowFn<A = Record<string, unknown>, R = unknown> = (engine: WorkflowEngine, args: A) => Promise<R>;

export interface WorkflowOptions<A = Record<string, unknown>> {
  /** One line shown by `aegis workflow list`. */
  description?: string;
  /** Argument defaults: merged under the run's arguments, and they type `--key=value` flags (number, boolean). */
  defaults?: Partial<A>;
}

/** A registered workflow. */
export interface Workflow<A = Record<string, unknown>, R = unknown> {
  readonly name: string;
  readonly fn: WorkflowFn<A, R>;
  /** The file that registered it, when known. */
  readonly file?: string;
  readonly description?: string;
  /** Declared defaults, plus simple literal defaults read from the function's destructured second parameter. */
  readonly defaults: Record<string, unknown>;
}

const registry = new Map<string, Workflow<any, any>>();
let loadingFile: string | undefined;

export function workflow<A = Record<string, unknown>, R = unknown>(fn: WorkflowFn<A, R>, opts?: WorkflowOptions<A>): Workflow<A, R>;
export function workflow<A = Record<string, unknown>, R = unknown>(name: string, fn: WorkflowFn<A, R>, opts?: WorkflowOptions<A>): Workflow<A, R>;
export function workflow<A, R>(a: string | WorkflowFn<A, R>, b?: WorkflowFn<A, R> | WorkflowOptions<A>, c?: WorkflowOptions<A>): Workflow<A, R> {
  const fn = (typeof a === "function" ? a : b) as WorkflowFn<A, R>;
  const opts = (typeof a === "function" ? b : c) as WorkflowOptions<A> | undefined;
  const name = typeof a === "string" ? a : fn?.name;
  if (typeof fn !== "function") throw new TypeError("workflow() needs an async function: workflow(\"name\", async (engine, args) => { … })");
  if (!name) throw new TypeError("workflow() needs a name: workflow(\"name\", async (engine) => …) or a named function");
  const file = callerFile() ?? loadingFile;
  const wf: Workflow<A, R> = {
    name,
    fn,
    ...(file !== undefined ? { file } : {}),
    ...(opts?.description !== undefined ? { description: opts.description } : {}),
    defaults: { ...inferDefaults(fn), ...(opts?.defaults as Record<string, unknown> | undefined) },
  };
  const existing = registry.get(name);
  if (existing && existing.fn !== fn && existing.file !== file) {
    throw new ConfigError(`two workflows are named "${name}": one in ${existing.file ?? "(unknown file)"}, one in ${file ?? "(unknown file)"}`, {
      file,
      hint: "rename one of them: workflow(\"other-name\", async (engine) => …)",
    });
  }
  registry.set(name, wf);
  return wf;
}

/** The names of every registered workflow, sorted. */
export function listWorkflows(): string[] {
  return [...registry.keys()].sort();
}

/** The workflow registered under `name`, if any. */
export function getWorkflow(name: string): Workflow | undefined {
  return registry.get(name);
}

/** Every registered workflow, sorted by name. */
export function allWorkflows(): Workflow[] {
  return listWorkflows().map((n) => registry.get(n)!);
}

/** @internal The loader names the file it is importing, for registrations whose stack has no file. */
export function setLoadingFile(file: string | undefined): void {
  loadingFile = file;
}

/** @internal For tests: forget every registration. */
export function clearRegistry(): void {
  registry.clear();
}

export function isWorkflow(v: unknown): v is Workflow {
  return typeof v === "object" && v !== null && typeof (v as Workflow).fn === "function" && typeof (v as Workflow).name === "string";
}

const OWN_DIR = ownDir();

function ownDir(): string {
  const here = import.meta.url.startsWith("file:") ? fileURLToPath(import.meta.url) : import.meta.path;
  return here.slice(0, here.lastIndexOf("/src/") + 5);
}

/** The first file on the call stack outside aegis's own sources: the file that called workflow(). */
function callerFile(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /(?:\(|at )((?:file:\/\/)?\/[^()]*?):\d+(?::\d+)?\)?\s*$/.exec(line);
    if (!m) continue;
    const path = (m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!).replace(/\?.*$/, "");
    if (path.startsWith(OWN_DIR) || path.startsWith("/$bunfs/")) continue;
    return path;
  }
  return undefined;
}

const LITERAL = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false|!0|!1|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/;

/**
 * Simple literal defaults of the function's destructured second parameter, e.g. `{ who = "world", times = 2 }`.
 * Best effort: anything that is not a plain literal is skipped (declare it in `defaults` instead).
 */
export function inferDefaults(fn: Function): Record<string, unknown> {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open < 0) return {};
  const params = matchingSlice(src, open);
  if (params === undefined) return {};
  const comma = topLevelComma(params);
  if (comma < 0) return {};
  const second = params.slice(comma + 1).trim();
  if (!second.startsWith("{")) return {};
  const body = matchingSlice(second, 0);
  if (body === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const part of splitTopLevel(body)) {
    const m = /^([A-Za-z_$][\w$]*)\s*(?::\s*[A-Za-z_$][\w$]*\s*)?=\s*(.+)$/s.exec(part.trim());
    if (!m || !LITERAL.test(m[2]!.trim())) continue;
    const lit = m[2]!.trim();
    // Bun's transpiler prints `false`/`true` as `!1`/`!0`.
    out[m[1]!] = lit === "!0" ? true : lit === "!1" ? false : lit.startsWith("'") ? lit.slice(1, -1) : JSON.parse(lit);
  }
  return out;
}

/** Positions and characters of `s` from `from` on, skipping what is inside string literals. */
function* codeChars(s: string, from = 0): Generator<[number, string]> {
  let quote = "";
  for (let i = from; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else yield [i, ch];
  }
}

/** The text strictly inside the bracket pair opening at `at`, or undefined if unbalanced. */
function matchingSlice(s: string, at: number): string | undefined {
  const close: Record<string, string> = { "(": ")", "{": "}", "[": "]" };
  const stack: string[] = [];
  for (const [i, ch] of codeChars(s, at)) {
    if (close[ch]) stack.push(close[ch]!);
    else if (ch === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return s.slice(at + 1, i);
    }
  }
  return undefined;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let rest = s;
  for (let i = topLevelComma(rest); i >= 0; i = topLevelComma(rest)) {
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  parts.push(rest);
  return parts.filter((p) => p.trim());
}

function topLevelComma(s: string): number {
  let depth = 0;
  for (const [i, ch] of codeChars(s)) {
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "," && depth === 0) return i;
  }
  return -1;
}
