// Workflow runs started by an agent (the MCP plane's aegis_run_workflow / aegis_workflow_status): the run starts in
// the background and the caller gets its id at once; askHuman questions go to the calling agent (its reply is the
// answer); with `callback`, the outcome is delivered to the caller's inbox when the run ends. Shaped to the plane's
// PlaneWorkflows port. It must not know about MCP itself.

import type { SenderTag } from "../session/sender.ts";
import { getRun } from "../store/runs.ts";
import { newId } from "../util/ids.ts";
import { logger } from "../ui/log.ts";
import { matchOption, type AskRoute } from "./ask.ts";
import { loadConfigWorkflows } from "./loader.ts";
import { getWorkflow, listWorkflows } from "./registry.ts";
import { toRunView, type RunView } from "./run-status.ts";
import { startRun, type RunOutcome, type WorkflowHost } from "./runner.ts";
import { AegisError } from "../util/errors.ts";

export interface BackgroundWorkflows {
  names(): string[];
  start(name: string, args: Record<string, unknown>, opts: { callerHandle: string | null; callback: boolean }): Promise<{ runId: string }>;
  status(runId: string): (RunView & { name: string }) | undefined;
  /** Resolves when every run started here has ended (for a clean shutdown). */
  idle(): Promise<void>;
}

export function backgroundWorkflows(host: WorkflowHost): BackgroundWorkflows {
  const running = new Set<Promise<RunOutcome>>();
  let loaded: Promise<void> | undefined;
  const load = () => (loaded ??= loadConfigWorkflows(host.config));
  return {
    names: () => listWorkflows(),
    async start(name, args, opts) {
      await load();
      const wf = getWorkflow(name);
      if (!wf) throw new AegisError("E_NOT_FOUND", `unknown workflow "${name}"; workflows: ${listWorkflows().join(", ") || "(none)"}`);
      const runId = newId("run");
      const caller = opts.callerHandle;
      const run = startRun(host, wf, args, {
        runId, ...(caller ? { callerHandle: caller, ask: askCaller(host, caller, `workflow:${name}:${runId}` as SenderTag) } : {}),
      });
      running.add(run);
      void run.then((outcome) => {
        running.delete(run);
        if (opts.callback && caller) deliverOutcome(host, caller, outcome);
      });
      return { runId };
    },
    status(runId) {
      const row = getRun(host.store, runId);
      return row ? { ...toRunView(row), name: row.workflow } : undefined;
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

/** askHuman for a run an agent started: the question is a message to that agent, its reply the answer. */
function askCaller(host: WorkflowHost, handle: string, from: SenderTag): AskRoute {
  return async (req) => {
    const choices = req.options?.length ? `\nAnswer with one of: ${req.options.join(", ")}.` : "";
    const reply = await host.sessions.send(handle, `The workflow asks: ${req.question}${choices}`, from);
    return matchOption(req.options, reply) ?? reply.trim();
  };
}

function deliverOutcome(host: WorkflowHost, handle: string, o: RunOutcome): void {
  const body = o.status === "done"
    ? typeof o.result === "string" ? o.result : JSON.stringify(o.result ?? null)
    : `run ${o.runId} ended ${o.status}: ${o.error instanceof Error ? o.error.message : String(o.error)}`;
  try {
    host.sessions.deliver(handle, { from: `workflow:${o.workflow}` as SenderTag, body });
  } catch (err) {
    // The caller closed before the run ended: the outcome stays in the store for aegis_workflow_status.
    logger().debug(`workflow ${o.runId}: could not call back ${handle}: ${(err as Error)?.message ?? String(err)}`);
  }
}
