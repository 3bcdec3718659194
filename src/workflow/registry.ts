// The workflow registry: `workflow(name?, fn, opts?)` records a workflow under its name together with the file that
// registered it, so two different workflows with one name fail with an error naming both files. Registering again
// from the same file (a module imported twice) replaces the entry. The built-in catalog (src/catalog/) sits in a map of
// its own beneath: a project workflow of the same name overrides a built-in one, with a notice on stderr. It must not
// import or run workflow files.

import { fileURLToPath } from "node:url";
import { ConfigError } from "../util/errors.ts";
import { logger } from "../ui/log.ts";
import type { ArgsSchema } from "./arg-schema.ts";
import type { WorkflowEngine } from "./engine-types.ts";

/** A workflow's body: an async function receiving the engine and the run's arguments. */
export type WorkflowFn<A = Record<string, unknown>, R = unknown> = (engine: WorkflowEngine, args: A) => Promise<R>;

export interface WorkflowOptions<A = Record<string, unknown>> {
  /** One line shown by `aegis workflow list`. */
  description?: string;
  /**
   * The schema of its arguments, e.g. `z.object({ topic: z.string().default("x") })`: it types the function's `args`,
   * checks every run's arguments (defaults applied), types `--key=value` values and lists them in `aegis run <name>
   * --help`. Without one the workflow takes free `--key=value` arguments.
   */
  args?: ArgsSchema<A>;
  /**
   * What `aegis serve` does at start with a run of this workflow left unfinished by a crash: "auto" (the default)
   * resumes it; "manual" leaves it for `aegis resume <runId>`.
   */
  resume?: "auto" | "manual";
  /** Longer documentation for `aegis workflow show <name>`: what it does, step by step, and what it returns. */
  usage?: string;
  /** Example command lines for `aegis workflow show <name>`, e.g. `aegis run my-flow --topic=x`. */
  examples?: string[];
  /**
   * What a run with these arguments (defaults applied) costs at most: agents spawned and turns sent, null where it
   * cannot tell. A no-code workflow calling this one counts it in `aegis workflow plan` and in the approval limit of
   * aegis_run_dynamic_workflow; without it such a call is unbounded.
   */
  plan?: (args: A) => WorkflowPlan;
}

/** The agents and turns a run projects (`WorkflowOptions.plan`); null is unbounded; `exact` when no upper bound. */
export interface WorkflowPlan { agents: number | null; turns: number | null; exact?: boolean }

/** A registered workflow. */
export interface Workflow<A = Record<string, unknown>, R = unknown> {
  readonly name: string;
  readonly fn: WorkflowFn<A, R>;
  /** The file that registered it, when known. */
  readonly file?: string;
  readonly description?: string;
  /** The schema of its arguments, when it declares one. */
  readonly args?: ArgsSchema<A>;
  /** Whether `aegis serve` resumes its crashed runs at start (default "auto"). */
  readonly resume?: "auto" | "manual";
  /** Longer documentation shown by `aegis workflow show`. */
  readonly usage?: string;
  /** Example command lines shown by `aegis workflow show`. */
  readonly examples?: readonly string[];
  /** True for a workflow of aegis's built-in catalog. */
  readonly builtin?: boolean;
  /** What a run costs at most, by its arguments (see WorkflowOptions.plan). */
  readonly plan?: (args: A) => WorkflowPlan;
}

const registry = new Map<string, Workflow<any, any>>();
const builtins = new Map<string, Workflow<any, any>>();
/** Names whose override of a built-in workflow was already told (once per process). */
const overrideNoticed = new Set<string>();
let loadingFile: string | undefined;
let loadingBuiltins = false;

export function workflow<A = Record<string, unknown>, R = unknown>(fn: WorkflowFn<A, R>, opts?: WorkflowOptions<A>): Workflow<A, R>;
export function workflow<A = Record<string, unknown>, R = unknown>(name: string, fn: WorkflowFn<A, R>, opts?: WorkflowOptions<A>): Workflow<A, R>;
export function workflow<A, R>(a: string | WorkflowFn<A, R>, b?: WorkflowFn<A, R> | WorkflowOptions<A>, c?: WorkflowOptions<A>): Workflow<A, R> {
  const fn = (typeof a === "function" ? a : b) as WorkflowFn<A, R>;
  const opts = (typeof a === "function" ? b : c) as WorkflowOptions<A> | undefined;
  const name = typeof a === "string" ? a : fn?.name;
  if (typeof fn !== "function") throw new TypeError("workflow() needs an async function: workflow(\"name\", async (engine, args) => { … })");
  if (!name) throw new TypeError("workflow() needs a name: workflow(\"name\", async (engine) => …) or a named function");
  const file = callerFile() ?? loadingFile;
  if (opts?.resume !== undefined && opts.resume !== "auto" && opts.resume !== "manual") {
    throw new ConfigError(`workflow "${name}": resume must be "auto" or "manual"; got ${JSON.stringify(opts.resume)}`, {
      file, hint: "resume: \"manual\" leaves a run aegis serve finds unfinished for `aegis resume <runId>`",
    });
  }
  const wf: Workflow<A, R> = {
    name,
    fn,
    ...(file !== undefined ? { file } : {}),
    ...(opts?.description !== undefined ? { description: opts.description } : {}),
    ...(opts?.args !== undefined ? { args: opts.args } : {}),
    ...(opts?.resume !== undefined ? { resume: opts.resume } : {}),
    ...(opts?.usage !== undefined ? { usage: opts.usage } : {}),
    ...(opts?.examples !== undefined ? { examples: [...opts.examples] } : {}),
    ...(opts?.plan !== undefined ? { plan: opts.plan } : {}),
    ...(loadingBuiltins ? { builtin: true } : {}),
  };
  // The catalog's modules define their workflows; registerBuiltins() puts them in the built-in map.
  if (loadingBuiltins) return wf;
  const existing = registry.get(name);
  if (existing && existing.fn !== fn && existing.file !== file) {
    throw new ConfigError(`two workflows are named "${name}": one in ${existing.file ?? "(unknown file)"}, one in ${file ?? "(unknown file)"}`, {
      file,
      hint: "rename one of them: workflow(\"other-name\", async (engine) => …)",
    });
  }
  registry.set(name, wf);
  if (builtins.has(name)) noticeOverride(wf);
  return wf;
}

/** The names of every registered workflow (the project's and the built-in ones), sorted. */
export function listWorkflows(): string[] {
  return [...new Set([...registry.keys(), ...builtins.keys()])].sort();
}

/** The workflow registered under `name`, if any: the project's, else the built-in one. */
export function getWorkflow(name: string): Workflow | undefined {
  return registry.get(name) ?? builtins.get(name);
}

/** Every registered workflow, sorted by name. */
export function allWorkflows(): Workflow[] {
  return listWorkflows().map((n) => getWorkflow(n)!);
}

/** @internal The loader imports the catalog's modules inside this, so their `workflow()` calls register nothing. */
export async function definingBuiltins<T>(load: () => Promise<T>): Promise<T> {
  loadingBuiltins = true;
  try {
    return await load();
  } finally {
    loadingBuiltins = false;
  }
}

/** @internal Makes the catalog's workflows available beneath the project's (idempotent). */
export function registerBuiltins(wfs: readonly Workflow<any, any>[]): void {
  for (const wf of wfs) {
    builtins.set(wf.name, { ...wf, builtin: true });
    const own = registry.get(wf.name);
    if (own) noticeOverride(own);
  }
}

function noticeOverride(wf: Workflow<any, any>): void {
  if (overrideNoticed.has(wf.name)) return;
  overrideNoticed.add(wf.name);
  logger().info(`workflow "${wf.name}"${wf.file ? ` in ${wf.file}` : ""} overrides the built-in one (aegis workflow show ${wf.name})`);
}

/** @internal The loader names the file it is importing, for registrations whose stack has no file. */
export function setLoadingFile(file: string | undefined): void {
  loadingFile = file;
}

/** @internal For tests: forget every registration. */
export function clearRegistry(): void {
  registry.clear();
  builtins.clear();
  overrideNoticed.clear();
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

/**
 * @internal Registers a workflow aegis built itself (a no-code spec file), under its name and with the file it came
 * from: the same checks as workflow(), without reading the call stack for the file.
 */
export function registerWorkflow(wf: Workflow): Workflow {
  const existing = registry.get(wf.name);
  if (existing && existing.fn !== wf.fn && existing.file !== wf.file) {
    throw new ConfigError(`two workflows are named "${wf.name}": one in ${existing.file ?? "(unknown file)"}, one in ${wf.file ?? "(unknown file)"}`, {
      file: wf.file, hint: "rename one of them (the `name:` of a no-code workflow file)",
    });
  }
  registry.set(wf.name, wf);
  if (builtins.has(wf.name)) noticeOverride(wf);
  return wf;
}
