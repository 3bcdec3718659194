// `aegis workflow validate <file>`, `aegis workflow plan <file> [--key=value …]` and `aegis workflow schema`: the
// commands of no-code workflow files. validate checks the file against the project (agents, other workflows) and
// exits 2 with every problem named by node path; plan prints the projected agents and turns; schema prints the
// file format as a JSON Schema for editors (no config needed). They must not run a workflow.

import { defineCommand } from "citty";
import { resolve } from "node:path";
import { out } from "../ui/log.ts";
import { ConfigError } from "../util/errors.ts";
import { coerceCliArgs } from "../workflow/arg-schema.ts";
import { loadConfigWorkflows } from "../workflow/loader.ts";
import { allWorkflows, getWorkflow, listWorkflows } from "../workflow/registry.ts";
import type { LoadedConfig } from "../config/validate.ts";
import type { Spec } from "../workflow/spec/schema.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";

const fileArg = { file: { type: "positional", required: true, description: "A no-code workflow file (.yaml, .yml or .json), or the name of one the config loads" } } as const;

/**
 * Reads and validates the file (or the file of the no-code workflow registered under that name) against the project,
 * then checks its calls against every registered workflow.
 */
async function checkedSpec(config: LoadedConfig, given: string, cwd: string): Promise<Spec> {
  const { readSpecFile, specProject, checkCalls, SPEC_EXT } = await import("../workflow/spec/load.ts");
  let file = resolve(cwd, given);
  if (!SPEC_EXT.test(file)) {
    await loadConfigWorkflows(config);
    const wf = getWorkflow(given);
    if (!wf?.file || !SPEC_EXT.test(wf.file)) {
      const specs = allWorkflows().filter((w) => w.file && SPEC_EXT.test(w.file)).map((w) => w.name);
      throw new ConfigError(`${given}: ${wf ? `workflow "${given}" is written in TypeScript, not a no-code file` : "neither a no-code workflow file (.yaml, .yml or .json) nor the name of one"}; no-code workflows of the config: ${specs.join(", ") || "(none)"}`, {
        hint: "a TypeScript workflow is checked by `tsc --noEmit`; aegis workflow show <name> documents any workflow",
      });
    }
    file = wf.file;
  }
  const spec = readSpecFile(file, specProject(config));
  await loadConfigWorkflows(config);
  checkCalls(spec, listWorkflows());
  return spec;
}

function countNodes(spec: Spec): number {
  let n = 0;
  const walk = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.type === "string" && typeof o.path === "string") n++;
    for (const k of ["children", "body", "then", "else"]) {
      const v = o[k];
      if (Array.isArray(v)) v.forEach(walk);
      else walk(v);
    }
  };
  walk(spec.root);
  return n;
}

const validate = defineCommand({
  meta: {
    name: "validate",
    description: "Check a no-code workflow file: shape, ids, references, agents, JSON Schemas (exit 2 on a problem); without a file, load every workflow of the config",
  },
  args: { file: { ...fileArg.file, required: false }, ...configArgs, ...jsonArg },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    try {
      if (args.file === undefined) {
        await loadConfigWorkflows(config);
        const mine = allWorkflows().filter((w) => !w.builtin);
        const specs = mine.filter((w) => w.file && /\.(ya?ml|json)$/i.test(w.file)).length;
        const text = `ok: ${mine.length} workflow${mine.length === 1 ? "" : "s"} of the config load (${specs} no-code)`;
        return void out(args.json ? JSON.stringify({ ok: true, workflows: mine.map((w) => w.name) }) : text);
      }
      const spec = await checkedSpec(config, String(args.file), workDir(args));
      const nodes = countNodes(spec);
      out(args.json ? JSON.stringify({ ok: true, workflow: spec.name, file: spec.source, nodes }) : `ok: ${spec.source}: workflow "${spec.name}", ${nodes} node${nodes === 1 ? "" : "s"}`);
    } catch (err) {
      // --json: the problems on stdout for tools (an editor, a CI annotation); the error itself still exits 2.
      if (args.json && err instanceof ConfigError) out(JSON.stringify({ ok: false, file: (err.data as { file?: string }).file ?? null, problems: err.issues }));
      throw err;
    }
  },
});

const plan = defineCommand({
  meta: { name: "plan", description: "Project a no-code workflow's agents and turns (an upper bound for loops and maps): aegis workflow plan <file|name> [--key=value …]" },
  args: { ...fileArg, ...configArgs, ...jsonArg },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const spec = await checkedSpec(config, String(args.file), workDir(args));
    const [{ planSpec, formatPlan }, { argsSchema, specOf }, { getWorkflow }] = await Promise.all([
      import("../workflow/spec/plan.ts"), import("../workflow/spec/load.ts"), import("../workflow/registry.ts"),
    ]);
    const schema = argsSchema(spec.args);
    const extra = (args as { extra?: Record<string, string | true | (string | true)[]> }).extra ?? {};
    // Typed as `aegis run` types them; required ones may be left out (a map over a missing list is then unbounded).
    const given = coerceCliArgs(extra, schema, spec.name);
    const p = planSpec(spec, given, (name) => specOf(getWorkflow(name)));
    out(args.json ? JSON.stringify(p, null, 2) : formatPlan(p).trimEnd());
  },
});

const schema = defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of no-code workflow files (for editors: \"$schema\" or yaml-language-server)" },
  args: { ...configArgs }, // accepted like every command's, though the format needs no config
  async run() {
    const { specJsonSchema } = await import("../workflow/spec/schema.ts");
    out(JSON.stringify(specJsonSchema(), null, 2));
  },
});

export const specCommands = { validate, plan, schema };
