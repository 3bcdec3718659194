// What watches a run from outside the workflow: Ctrl-C (the caller's signal), the --timeout clock, `aegis cancel`
// from another process (a flag in the runs row, checked when the run's row changes), and the progress of the run's
// sessions, forwarded as `agent` events. It only raises the stop signal and emits; the runner decides the outcome.

import type { SessionProgress } from "../session/manager.ts";
import type { RunEventBody } from "../ui/events.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration } from "../util/format.ts";
import { logIgnored } from "../util/log-ignored.ts";
import type { Engine } from "./engine.ts";
import type { RunOptions, WorkflowHost } from "./runner.ts";

/** Starts watching; returns the function that stops every watcher. */
export function watchRun(
  host: WorkflowHost, runId: string, stop: AbortController, engine: Engine, emit: (e: RunEventBody) => void, opts: RunOptions,
): () => void {
  const onInterrupt = () => stop.abort(new AegisError("E_CANCELLED", "the run was interrupted", {
    hint: `resume it with: aegis resume ${runId}`,
  }));
  if (opts.signal?.aborted) onInterrupt();
  else opts.signal?.addEventListener("abort", onInterrupt, { once: true });

  const timeout = opts.timeoutMs !== undefined && opts.timeoutMs > 0
    ? setTimeout(() => stop.abort(new AegisError("E_TIMEOUT", `the run exceeded --timeout ${formatDuration(opts.timeoutMs!)}`, {
        hint: `resume it with: aegis resume ${runId} (and a longer --timeout)`,
      })), opts.timeoutMs)
    : undefined;

  // `aegis cancel` from any process sets the run's flag: a change to this run (or a rescan, "*") looks at it again.
  // One look at a time; a change during a look asks for one more.
  const db = host.sessions.db;
  let looking = false;
  let again = false;
  const look = (): void => {
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    db.runs.cancelRequested(runId).then((cancelled) => {
      if (cancelled) stop.abort(new AegisError("E_CANCELLED", "the run was cancelled", { data: { cancelled: true } }));
    }).catch(logIgnored(`checking whether run ${runId} was cancelled (looked at again on the next change)`)).finally(() => {
      looking = false;
      if (again && !stop.signal.aborted) {
        again = false;
        look();
      }
    });
  };
  const unwatchCancel = db.subscribe("runs", (key) => {
    if ((key === runId || key === "*") && !stop.signal.aborted) look();
  });

  const unsubscribe = host.sessions.on((p: SessionProgress) => {
    const agent = engine.runSessions.agentOf(p.handle);
    if (agent === undefined) return;
    if (p.type === "state") emit({ type: "agent", handle: p.handle, state: p.state });
    else if (p.type === "event" && p.event.type === "text") emit({ type: "agent", handle: p.handle, text: p.event.text });
    else if (p.type === "event" && p.event.type === "tool_call") emit({ type: "agent", handle: p.handle, tool: p.event.name });
  });

  return () => {
    opts.signal?.removeEventListener("abort", onInterrupt);
    clearTimeout(timeout);
    unwatchCancel();
    unsubscribe();
  };
}
