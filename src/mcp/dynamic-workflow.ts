// No-code workflows agents hand in through aegis_run_dynamic_workflow: the spec (an object, or YAML/JSON text) is
// validated against the project like a file, its arguments checked, its plan made; the spec is stored under the
// state folder (.aegis/dynamic/<id>.json) so `aegis resume` and a restarted serve find it, and a human can run it.
// Above `dynamicWorkflows.maxAgents` projected agents (or unbounded) it is not started: the plan comes back for
// approval. Stored specs nobody can resume any more are pruned as new ones come in (pruneDynamic). It must not decide
// who may call it (the tool does) nor run workflow code itself (the runner does).

import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { logger } from "../ui/log.ts";
import { errorMessage } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { validateArgs } from "../workflow/arg-schema.ts";
import { getWorkflow, listWorkflows, type Workflow } from "../workflow/registry.ts";
import type { WorkflowHost } from "../workflow/runner.ts";
import { argsSchema, checkCalls, parseSpecText, specOf, specProject, specWorkflow } from "../workflow/spec/load.ts";
import { formatPlan, planSpec, type Plan } from "../workflow/spec/plan.ts";
import { validateSpec } from "../workflow/spec/validate.ts";

/** The plan as the tool returns it. */
export interface DynamicPlan {
  agents: number | null;
  turns: number | null;
  bound: Plan["bound"];
  text: string;
}

export type DynamicStart =
  | { status: "started"; runId: string; workflow: string; file: string; plan: DynamicPlan }
  | { status: "needs-approval"; workflow: string; file: string; plan: DynamicPlan; maxAgents: number; hint: string };

const SOURCE = "(dynamic workflow)";

/** Validates, plans and stores `input`; starts it with `start` when its plan is within the limit. */
export async function startDynamic(
  host: WorkflowHost, input: unknown, args: Record<string, unknown>,
  start: (wf: Workflow, args: Record<string, unknown>) => Promise<{ runId: string }>,
): Promise<DynamicStart> {
  const raw = typeof input === "string" ? parseSpecText(input, SOURCE, true) : input;
  const project = specProject(host.config);
  const checked = validateSpec(raw, SOURCE, project);
  checkCalls(checked, listWorkflows());
  const wfArgs = validateArgs({ name: checked.name, args: argsSchema(checked.args) }, args);
  const plan = planSpec(checked, wfArgs, (name) => specOf(getWorkflow(name)));
  // Stored under its own name (the spec's name and this id), so it never clashes with a project workflow or with
  // another dynamic run of a spec of the same name when a run is resumed.
  const id = newId("dyn");
  const name = `${checked.name}.${id}`;
  const dir = join(host.config.stateDir, "dynamic");
  const file = join(dir, `${id}.json`);
  await pruneDynamic(host, dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...(raw as Record<string, unknown>), name }, null, 2)}\n`);
  const shown = relative(host.config.root, file);
  const summary: DynamicPlan = { agents: plan.agents, turns: plan.turns, bound: plan.bound, text: formatPlan(plan) };
  const max = host.config.dynamicWorkflows.maxAgents;
  if (plan.agents === null || plan.agents > max) {
    return {
      status: "needs-approval", workflow: name, file: shown, plan: summary, maxAgents: max,
      hint: `${plan.agents === null ? "its plan is unbounded" : `its plan projects ${plan.agents} agents`}, above dynamicWorkflows.maxAgents (${max}): ` +
        `show the plan to a human; they can run it with \`aegis run ${shown}\`, or raise dynamicWorkflows.maxAgents in .aegis.ts. ` +
        "A smaller spec (maxItems on maps, fewer rounds) may fit under the limit.",
    };
  }
  const wf = specWorkflow({ ...checked, name, source: shown }, project, file);
  const { runId } = await start(wf, wfArgs);
  return { status: "started", runId, workflow: name, file: shown, plan: summary };
}

/** How long a stored spec no run was started from (one awaiting a human's approval) is kept. */
export const UNRUN_KEEP_MS = 7 * 24 * 3600_000;

/**
 * Removes the stored specs no one needs any more: those whose runs all ended done or cancelled (nothing left to
 * resume), and those never run that are older than UNRUN_KEEP_MS. A spec with a run that failed, crashed, is
 * running or parked stays, for `aegis resume`. A file it cannot remove is reported on stderr, not fatal.
 */
export async function pruneDynamic(host: Pick<WorkflowHost, "db">, dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return []; // no folder yet: nothing stored
  }
  const removed: string[] = [];
  for (const n of names) {
    const file = join(dir, n);
    try {
      const statuses = await host.db.runs.runStatusesOfFile(file);
      const finished = statuses.length > 0 && statuses.every((s) => s === "done" || s === "cancelled");
      if (!finished && (statuses.length > 0 || now - statSync(file).mtimeMs < UNRUN_KEEP_MS)) continue;
      rmSync(file, { force: true });
      removed.push(file);
    } catch (err) {
      logger().warn(`could not prune the stored dynamic workflow ${file}: ${errorMessage(err)}`);
    }
  }
  return removed;
}
