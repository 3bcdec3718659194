// Workflow runs started through the plane (aegis_run_workflow / aegis_workflow_status): by name from the registry,
// recorded with the calling session as the run's caller; the run's askHuman questions go to that caller (its reply is
// the answer, see workflow/ask-agent.ts) and, when asked, the outcome is delivered to its inbox as
// `> from workflow:<name>` once the run ends. Status is the run as `aegis runs --json` shows it, read from the runs
// table, so a run started by another process is visible too. It must not run workflow code itself (runner.ts does)
// nor decide who may start runs (the tools do).

import type { SenderTag } from "../session/sender.ts";
import { formatError, notFound } from "../util/errors.ts";
import { newId } from "../util/ids.ts";
import { askAgent } from "../workflow/ask-agent.ts";
import { getWorkflow, listWorkflows, type Workflow } from "../workflow/registry.ts";
import { findRunView } from "../workflow/run-status.ts";
import { startRun, type RunOutcome, type WorkflowHost } from "../workflow/runner.ts";
import type { PlaneWorkflows } from "./plane-ports.ts";

/** The callback text a caller reads when a run it started ends. */
export function workflowCallbackBody(o: RunOutcome): string {
  const head = `run ${o.runId} ${o.status}`;
  if (o.status === "done") {
    if (o.result === undefined) return head;
    return `${head}:\n${typeof o.result === "string" ? o.result : JSON.stringify(o.result, null, 2)}`;
  }
  return `${head}: ${o.error === undefined ? "no error recorded" : formatError(o.error)}`;
}

export function workflowsPort(host: WorkflowHost, log: (line: string) => void = () => {}): PlaneWorkflows {
  return {
    names: () => listWorkflows(),
    async start(name, args, opts) {
      const wf = getWorkflow(name);
      if (!wf) throw notFound("workflow", name, listWorkflows());
      return startWorkflow(host, wf, args, opts, log);
    },
    async startDynamic(spec, args, opts) {
      const { startDynamic } = await import("./dynamic-workflow.ts");
      return startDynamic(host, spec, args, (wf, a) => startWorkflow(host, wf, a, opts, log));
    },
    status: (runId) => findRunView(host.sessions.db, runId),
  };
}

/** Starts a run of `wf` for an MCP caller: its questions go to the caller, and its outcome too when asked. */
export async function startWorkflow(
  host: WorkflowHost, wf: Workflow, args: Record<string, unknown>, opts: { callerHandle: string | null; callback: boolean }, log: (line: string) => void,
): Promise<{ runId: string }> {
  const name = wf.name;
  const runId = newId("run");
  const callerHandle = opts.callerHandle ?? undefined;
  const ask = callerHandle ? askAgent({ sessions: host.sessions, handle: callerHandle, workflow: wf.name, runId }) : undefined;
  // startRun records the run before its first await, so its status is readable as soon as this returns.
  const done = startRun(host, wf, args, { runId, ...(callerHandle ? { callerHandle } : {}), ...(ask ? { ask } : {}) });
  done.then(
    (outcome) => {
      if (!opts.callback || !callerHandle) return;
      const from: SenderTag = `workflow:${name}`;
      host.sessions.deliver(callerHandle, { from, body: workflowCallbackBody(outcome) }).catch((err: unknown) => {
        // The caller may have closed meanwhile: the outcome stays readable with aegis_workflow_status.
        log(`aegis mcp: could not deliver the result of ${runId} to ${callerHandle}: ${formatError(err)}`);
      });
    },
    (err: unknown) => log(`aegis mcp: workflow run ${runId} failed to run: ${formatError(err, { stack: true })}`),
  );
  return { runId };
}
