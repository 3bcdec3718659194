// Library mode: `import { run, workflow } from "aegis"` in a plain `bun script.ts`, then `await run("hello", {…})`
// (a registered name, a file, a Workflow or a bare function). It loads the project's config from the cwd (or
// `config`), runs the workflow durably like `aegis run`, closes everything, and resolves with the result or throws
// the run's error. It must not install signal handlers or exit the process: the script owns those.

import { loadConfig } from "../config/load.ts";
import type { RunEvent } from "../ui/events.ts";
import { AegisError } from "../util/errors.ts";
import type { Workflow, WorkflowFn } from "./registry.ts";

export interface LibraryRunOptions {
  /** The config file; default `.aegis.ts` found from `cwd` upwards. */
  config?: string;
  /** Where the config search starts and file targets resolve; default the process's cwd. */
  cwd?: string;
  /** Print NDJSON events on stdout (as `aegis run --json`). */
  json?: boolean;
  /** Print nothing (by default progress lines go to stderr). */
  quiet?: boolean;
  maxCostUsd?: number;
  timeoutMs?: number;
  /** Answers for askHuman, by key. */
  answers?: Record<string, string>;
  /** Aborting stops the run cleanly; it stays resumable with `aegis resume`. */
  signal?: AbortSignal;
  /** Receives every run event. */
  onEvent?: (e: RunEvent) => void;
}

/** Runs a workflow to completion; resolves with its return value, or throws its error (WorkflowError, …). */
export async function run<R = unknown>(
  wf: string | Workflow<any, R> | WorkflowFn<any, R>,
  args: Record<string, unknown> = {},
  opts: LibraryRunOptions = {},
): Promise<R> {
  // Imported here, not at the top: the public module is loaded by every `.aegis.ts`, and must stay cheap to import.
  const [{ startRunRuntime }, { ndjsonView, plainView }, { resolveWorkflow }, { startRun }] = await Promise.all([
    import("./queue-serving.ts"), import("../ui/run-display.ts"), import("./loader.ts"), import("./runner.ts"),
  ]);
  const cwd = opts.cwd ?? process.cwd();
  const config = await loadConfig({ cwd, ...(opts.config ? { file: opts.config } : {}) });
  const target: Workflow<any, R> = typeof wf === "string"
    ? await resolveWorkflow(config, wf, cwd) as Workflow<any, R>
    : typeof wf === "function" ? { name: wf.name || "anonymous", fn: wf } : wf;
  const view = opts.json ? ndjsonView() : opts.quiet ? undefined : plainView();
  // Queue workers run only for the queues the workflow uses, as with `aegis run`.
  const { rt, serveQueue } = await startRunRuntime({ config });
  let outcome;
  try {
    outcome = await startRun(rt, target, args, {
      serveQueue,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.maxCostUsd !== undefined ? { maxCostUsd: opts.maxCostUsd } : {}),
      answers: opts.answers ?? {},
      onEvent: (e) => {
        view?.event(e);
        opts.onEvent?.(e);
      },
    });
  } finally {
    view?.close();
    // Tasks the run enqueued without waiting are finished, not failed as interrupted by closing (unless stopped).
    if (!opts.signal?.aborted) await rt.queues.idle();
    await rt.close();
  }
  if (outcome.status === "done") return outcome.result as R;
  throw outcome.error ?? new AegisError("E_WORKFLOW", `the run ${outcome.runId} ended ${outcome.status}`);
}
