// Turns a no-code workflow file (.yaml, .yml, .json) or an in-memory spec (YAML/JSON text or an object, from MCP)
// into a Workflow: parsed (Bun's YAML parser, JSON.parse), validated against the project's agents, its `args`
// declarations made into a schema (so --key=value typing, defaults and `aegis run <file> --help` work as for
// TypeScript workflows), and its function the interpreter. It must not register anything (the loader does).

import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { z } from "zod";
import type { LoadedConfig } from "../../config/validate.ts";
import { AegisError, ConfigError, errorMessage } from "../../util/errors.ts";
import type { ArgsSchema } from "../arg-schema.ts";
import type { Workflow } from "../registry.ts";
import { callProblems } from "./calls.ts";
import { runSpec, specRunners, type SpecRunContext } from "./interpret.ts";
import type { ArgDecl, Spec, SpecNode } from "./schema.ts";
import { childrenOf, validateSpec, type SpecContext } from "./validate.ts";

/** The file names read as no-code workflows. */
export const SPEC_EXT = /\.(ya?ml|json)$/i;
/** JSON files a workflows folder may hold that are not workflows (only when a folder is walked). */
export const NOT_SPEC = /^(package(-lock)?\.json|tsconfig.*\.json|jsconfig\.json|.*\.schema\.json)$/i;

/** What loading needs from the project: its agents, default agent and root. */
export type SpecProject = SpecContext & { root: string };

export function specProject(config: Pick<LoadedConfig, "agents" | "defaultAgent" | "root">): SpecProject {
  return { agents: Object.keys(config.agents), root: config.root, ...(config.defaultAgent ? { defaultAgent: config.defaultAgent } : {}) };
}

const specs = new WeakMap<Workflow, Spec>();

/** The spec behind a workflow built here, if it is one. */
export function specOf(wf: Workflow | undefined): Spec | undefined {
  return wf ? specs.get(wf) : undefined;
}

/** Parses YAML or JSON text; `yaml` picks the parser (YAML also reads JSON). */
export function parseSpecText(text: string, source: string, yaml: boolean): unknown {
  try {
    return yaml ? Bun.YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    const line = yaml ? yamlErrorLine(text) : undefined;
    throw new ConfigError(`${source}${line ? `:${line}` : ""}: not valid ${yaml ? "YAML" : "JSON"}: ${errorMessage(err)}`, {
      file: source, hint: yaml ? "check the indentation near that line; strings with : or # need quotes" : "check the commas and quotes near that position",
    });
  }
}

/**
 * The line a YAML syntax error is on (Bun's parser does not say): the first line whose prefix of the text no longer
 * parses. Files are small, so parsing each prefix is cheap; undefined when every prefix parses.
 */
function yamlErrorLine(text: string): number | undefined {
  const lines = text.split("\n");
  for (let k = 1; k <= lines.length; k++) {
    try {
      Bun.YAML.parse(lines.slice(0, k).join("\n"));
    } catch {
      return k; // the first prefix that fails ends on the offending line
    }
  }
  return undefined;
}

/** Reads, parses and validates a spec file. */
export function readSpecFile(file: string, project: SpecProject): Spec {
  const source = displayPath(file, project.root);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${source}: cannot read it: ${errorMessage(err)}`, { file: source });
  }
  const raw = parseSpecText(text, source, !/\.json$/i.test(file));
  if (Array.isArray(raw) || typeof raw !== "object" || raw === null) {
    throw new ConfigError(`${source}: a workflow file holds one object: { name, root, description?, args? }`, { file: source });
  }
  return validateSpec(raw, source, project);
}

/** The Workflow that runs `spec`. */
export function specWorkflow(spec: Spec, project: SpecProject, file?: string): Workflow {
  const args = argsSchema(spec.args);
  const ctx: SpecRunContext = { root: project.root, ...(project.defaultAgent ? { defaultAgent: project.defaultAgent } : {}) };
  const wf: Workflow = {
    name: spec.name,
    fn: (engine, a) => runSpec(spec, engine, a, ctx).catch((err: unknown) => {
      throw noCodeHint(err, spec.source);
    }),
    ...(file ? { file } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(args ? { args } : {}),
    ...(spec.resume ? { resume: spec.resume } : {}),
  };
  specs.set(wf, spec);
  specRunners.set(wf, (engine, a, chain, at) => runSpec(spec, engine, a, ctx, chain, at));
  return wf;
}

/** A resume refused because the file changed gets advice for a file (engine.patched is TypeScript's way). */
function noCodeHint(err: unknown, source: string): unknown {
  if (!(err instanceof AegisError) || err.code !== "E_NONDETERMINISTIC") return err;
  return new AegisError(err.code, err.message, {
    data: err.data, cause: err,
    hint: `${source} changed since this run was recorded: undo the change to the nodes that already ran to resume it, or start it afresh with \`aegis run\``,
  });
}

/** Every workflow name a spec's `workflow` nodes call. */
export function calledWorkflows(node: SpecNode): SpecNode[] {
  return [...(node.type === "workflow" ? [node] : []), ...childrenOf(node).flatMap(calledWorkflows)];
}

/**
 * Refuses a spec that calls a workflow not registered, or passes it an argument it does not declare or leaves out
 * one it requires (checked once every file of the project is loaded).
 */
export function checkCalls(spec: Spec, known: readonly string[]): void {
  const problems = calledWorkflows(spec.root).flatMap((node) => (node.type === "workflow" ? callProblems(node, known).map((message) => ({ node, message })) : []));
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${spec.source}: ${p.node.path} (id "${p.node.id}"): ${p.message}`);
  throw new ConfigError(lines.length === 1 ? lines[0]! : `${spec.source}: ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join("\n")}`, {
    file: spec.source, issues: problems.map((p) => ({ path: p.node.path, ...{ id: p.node.id }, message: p.message })),
  });
}

/** The declared arguments as a zod object (a Standard Schema with a JSON Schema form); undefined without `args`. */
export function argsSchema(decls: Record<string, ArgDecl> | undefined): ArgsSchema | undefined {
  if (!decls) return undefined;
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries(decls)) {
    let s: z.ZodType = d.enum
      ? z.literal(d.enum)
      : d.type === "string" ? z.string()
      : d.type === "number" ? z.number()
      : d.type === "integer" ? z.number().int()
      : d.type === "boolean" ? z.boolean()
      : d.type === "array" ? z.array(z.unknown())
      : z.record(z.string(), z.unknown());
    if (d.description) s = s.describe(d.description);
    if (d.default !== undefined) s = s.default(d.default as never);
    shape[name] = s;
  }
  return z.strictObject(shape) as unknown as ArgsSchema;
}

function displayPath(file: string, root: string): string {
  const rel = relative(root, file);
  return rel.startsWith("..") || rel === "" ? file : rel;
}
