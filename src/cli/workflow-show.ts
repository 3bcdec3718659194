// `aegis workflow show <name|file> [--json]`: a workflow's documentation: its description, where it comes from
// (built-in or a file), its arguments with types and defaults (from its args schema), the longer usage text and
// examples it declares (`usage`, `examples` in workflow()'s options), or an example made from its required arguments;
// for a no-code workflow also its nodes with their projected agents and turns.
// It must not run the workflow.

import { defineCommand } from "citty";
import { out } from "../ui/log.ts";
import { argInfo, type ArgInfo } from "../workflow/arg-schema.ts";
import { resolveWorkflow } from "../workflow/loader.ts";
import type { Workflow } from "../workflow/registry.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";

export default defineCommand({
  meta: { name: "show", description: "Show a workflow's documentation: arguments, defaults, usage and examples" },
  args: {
    workflow: { type: "positional", required: true, description: "A registered workflow's name (built-in or the project's), or a .ts, .yaml or .json file" },
    ...configArgs, ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const wf = await resolveWorkflow(config, String(args.workflow), workDir(args));
    const doc = { ...workflowDoc(wf), nodes: await nodesOf(wf) };
    out(args.json ? JSON.stringify(doc, null, 2) : renderDoc(doc));
  },
});

export interface WorkflowDoc {
  name: string;
  description: string | null;
  builtin: boolean;
  file: string | null;
  /** Null when it declares no args schema (free --key=value arguments) or the schema has no JSON Schema form. */
  args: ArgInfo[] | null;
  schema: boolean;
  usage: string | null;
  examples: string[];
  /** A no-code workflow's nodes with their projected agents and turns (`aegis workflow plan`); null otherwise. */
  nodes?: string | null;
}

/** The node outline of a no-code workflow, as `aegis workflow plan` prints it with its defaults. */
async function nodesOf(wf: Workflow): Promise<string | null> {
  const [{ specOf }, { planSpec, formatPlan }, { getWorkflow }] = await Promise.all([
    import("../workflow/spec/load.ts"), import("../workflow/spec/plan.ts"), import("../workflow/registry.ts"),
  ]);
  const spec = specOf(wf);
  return spec ? formatPlan(planSpec(spec, {}, (name) => specOf(getWorkflow(name)))).trimEnd() : null;
}

export function workflowDoc(wf: Workflow): WorkflowDoc {
  const args = argInfo(wf.args) ?? null;
  return {
    name: wf.name, description: wf.description ?? null, builtin: wf.builtin === true, file: wf.file ?? null,
    args, schema: wf.args !== undefined, usage: wf.usage?.trim() ?? null,
    examples: wf.examples?.length ? [...wf.examples] : [exampleOf(wf.name, args)],
  };
}

/** `aegis run <name>` with each required argument as a placeholder of its type. */
function exampleOf(name: string, args: ArgInfo[] | null): string {
  const req = (args ?? []).filter((a) => a.required).map((a) => `--${kebab(a.name)}=<${a.type}>`);
  return ["aegis run", name, ...req].join(" ");
}

export function renderDoc(d: WorkflowDoc): string {
  const lines = [`${d.name}${d.builtin ? " (built-in)" : d.file ? ` (${d.file})` : ""}`];
  if (d.description) lines.push(`  ${d.description}`);
  lines.push("", "ARGUMENTS", "");
  if (d.args === null) {
    lines.push(d.schema ? "  Its args schema has no JSON Schema form to list; values are checked when the run starts."
      : "  No args schema: it takes free --key=value arguments (numbers and true/false typed by their text, the rest strings).");
  } else if (d.args.length === 0) {
    lines.push("  It takes no arguments.");
  } else {
    const rows = d.args.map((a) => [`--${kebab(a.name)}${a.type === "boolean" ? "" : ` <${a.type}>`}`,
      [a.description, a.required ? "(required)" : "default" in a ? `(default: ${JSON.stringify(a.default)})` : a.description?.includes("(default") ? "" : "(optional)"].filter(Boolean).join(" ")]);
    const width = Math.max(...rows.map((r) => r[0]!.length));
    for (const [l, r] of rows) lines.push(`  ${l!.padEnd(width)}  ${r}`);
  }
  if (d.usage) lines.push("", "USAGE", "", ...d.usage.split("\n").map((l) => `  ${l}`.trimEnd()));
  if (d.nodes) {
    const [total, ...outline] = d.nodes.split("\n");
    lines.push("", "NODES", "", `  ${total!.slice(total!.indexOf("): ") + 3)} with the defaults (aegis workflow plan ${d.name} --key=value … for others)`, ...outline);
  }
  lines.push("", d.examples.length === 1 ? "EXAMPLE" : "EXAMPLES", "", ...d.examples.map((e) => `  ${e}`));
  if (d.builtin) lines.push("", `A workflow of your own named "${d.name}" (in the config's workflows) overrides this one.`);
  return lines.join("\n");
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
