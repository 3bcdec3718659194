// What watches a run from outside the workflow: Ctrl-C (the caller's signal), the --timeout clock, `aegis cancel`
// from another process (a flag in the runs row, checked when the database changes), and the progress of the run's
// sessions, forwarded as `agent` events. It only raises the stop signal and emits; the runner decides the outcome.

import type { SessionProgress } from "../session/manager.ts";
import { cancelRequested } from "../store/runs.ts";
import type { RunEventBody } from "../ui/events.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration } from "../util/format.ts";
import type { Engine } from "./engine.ts";
import type { RunOptions, WorkflowHost } from "./runner.ts";

const CANCEL_POLL_MS = 250;

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

  let version = host.store.dataVersion();
  const poll = setInterval(() => {
    const v = host.store.dataVersion();
    if (v === version) return;
    version = v;
    if (cancelRequested(host.store, runId)) {
      stop.abort(new AegisError("E_CANCELLED", "the run was cancelled", { data: { cancelled: true } }));
    }
  }, CANCEL_POLL_MS);
  poll.unref?.();

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
    clearInterval(poll);
    unsubscribe();
  };
}
