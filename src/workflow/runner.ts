// Runs one attempt of a workflow run: records the run, builds the journal (replaying earlier attempts' steps) and
// the engine, enforces the stop conditions (Ctrl-C, --timeout, --max-cost, `aegis cancel`), closes every session
// the run spawned whatever the outcome, and records the outcome: done, failed (WorkflowError, PredicateFailed or
// another aegis error), crashed (any other throw, with its stack), interrupted or cancelled. It must not print;
// it publishes RunEvents for ui/ to render.

import type { Runtime } from "../runtime.ts";
import { hostName } from "../store/owners.ts";
import type { RunRow } from "../store/runs.ts";
import { currentBranch } from "../git/repo.ts";
import { validateArgs } from "./arg-schema.ts";
import { EventStamper, type RunEndStatus, type RunEvent, type RunEventBody } from "../ui/events.ts";
import { AegisError, isAegisError, errorMessage } from "../util/errors.ts";
import { formatUsd } from "../util/format.ts";
import { newId } from "../util/ids.ts";
import { sessionOfCaller } from "../session/sender.ts";
import type { AskRoute } from "./ask.ts";
import { Engine } from "./engine.ts";
import { Journal } from "./journal.ts";
import type { Workflow } from "./registry.ts";
import { watchRun } from "./run-watch.ts";
import { requireLocalRun } from "./run-status.ts";
import { parkMessage, type ParkRequest } from "./durable.ts";
import { systemClock, type Clock } from "../serve/service.ts";

export type WorkflowHost = Pick<Runtime, "config" | "store" | "db" | "sessions" | "queues" | "owner">;

export interface RunOptions {
  /** Stops the run when aborted (Ctrl-C); the run is left resumable. */
  signal?: AbortSignal;
  timeoutMs?: number;
  maxCostUsd?: number;
  /** Answers for askHuman, by key (`--answer key=value`). */
  answers?: Record<string, string>;
  /** How askHuman reaches a human when no answer was given (a terminal prompt, the MCP caller). */
  ask?: AskRoute;
  /** The session that started the run through MCP. */
  callerHandle?: string;
  onEvent?: (e: RunEvent) => void;
  /** The id for a new run (default a fresh `run_…`). */
  runId?: string;
  /** The workflow file, recorded so `aegis resume` can import it again. */
  file?: string;
  /**
   * Called with a queue before the workflow first enqueues or delegates to it (also when such a step is replayed), for
   * a host that runs workers only for the queues its run uses (see queue-serving.ts). Without it the host's queue
   * manager serves what it was built to serve.
   */
  serveQueue?: (queue: string) => void;
  /** Time for engine.sleep and waitFor (default the wall clock; tests pass a fake one). */
  clock?: Clock;
  /**
   * True where the run may park (under `aegis serve`, or detached): a sleep, a waitFor without its signal, or an
   * askHuman nobody can answer ends this execution with status interrupted (E_PARKED) and a park row the timer service
   * wakes. Otherwise they wait in the process, and an unanswerable askHuman fails.
   */
  park?: boolean;
  /** Called once a new run's row is committed, before its first step (a detached start hands out its id then). */
  onRecorded?: () => void;
}

export interface RunOutcome {
  runId: string;
  workflow: string;
  status: RunEndStatus;
  result?: unknown;
  error?: unknown;
  attempt: number;
  costUsd: number;
  tokens: { input: number; output: number };
  durationMs: number;
  steps: { total: number; replayed: number; live: number };
  sessions: number;
}

/** Starts a new run of `wf` and resolves when it ends (never rejects for the workflow's own failure). */
export async function startRun(host: WorkflowHost, wf: Workflow, args: Record<string, unknown>, opts: RunOptions = {}): Promise<RunOutcome> {
  const runId = opts.runId ?? newId("run");
  const merged = validateArgs(wf, args); // a UsageError, thrown before the run is recorded
  // engine.merge's default target; read from git's files (no process), so a run outside git pays nothing.
  const branch = currentBranch(host.config.root);
  // Committed before the first step: a run killed at any point after this is found and resumed.
  await host.db.tx(async (t) => {
    await t.runs.insertRun({
      id: runId, workflow: wf.name, args: merged, owner: host.owner, host: hostOf(host), at: Date.now(),
      ...(opts.file ?? wf.file ? { file: opts.file ?? wf.file } : {}), ...(opts.callerHandle ? { caller: opts.callerHandle } : {}),
    });
    if (branch !== null) await t.worktrees.setRunStartBranch(runId, branch);
  }, { durable: true });
  opts.onRecorded?.();
  return execute(host, wf, (await host.db.runs.getRun(runId))!, merged, opts);
}

/** Runs the next attempt of an existing run: replays its journal, then goes live. */
export async function resumeRun(host: WorkflowHost, wf: Workflow, run: RunRow, opts: RunOptions = {}): Promise<RunOutcome> {
  requireLocalRun(run);
  await host.db.tx(async (t) => {
    await t.runs.restartRun(run.id, host.owner, Date.now());
    await t.waits.unparkRun(run.id); // woken: the run's steps park it again if its wait is not over
  }, { durable: true });
  return execute(host, wf, (await host.db.runs.getRun(run.id))!, JSON.parse(run.args) as Record<string, unknown>, opts);
}

export { isForeignRun, requireLocalRun } from "./run-status.ts";

/** The machine this process runs on, recorded with a run so only this host resumes it (#15). */
export function hostOf(_host: WorkflowHost): string {
  return hostName();
}

async function execute(host: WorkflowHost, wf: Workflow, run: RunRow, args: Record<string, unknown>, opts: RunOptions): Promise<RunOutcome> {
  const t0 = performance.now();
  const stamper = new EventStamper(run.id);
  const emit = (body: RunEventBody) => opts.onEvent?.(stamper.stamp(body));
  const totals = { costUsd: run.cost_usd, tokens: { input: run.input_tokens, output: run.output_tokens } };
  const counts = { total: 0, replayed: 0, live: 0 };
  const stop = new AbortController();
  const prior = run.attempt > 1 ? await host.db.runs.listSteps(run.id) : [];
  const journal = new Journal(host.db, run.id, run.attempt, prior, {
    started: (e) => emit({ type: "step_start", step: e.seq, kind: e.kind, label: e.label }),
    ended: (e) => {
      counts.total++;
      if (e.status === "replayed") counts.replayed++;
      else counts.live++;
      totals.costUsd += e.costUsd;
      totals.tokens.input += e.inputTokens;
      totals.tokens.output += e.outputTokens;
      emit({
        type: "step_end", step: e.seq, kind: e.kind, label: e.label, status: e.status, durationMs: Math.round(e.durationMs),
        stepCostUsd: e.costUsd, costUsd: totals.costUsd, tokens: { ...totals.tokens }, ...(e.error ? { error: e.error } : {}),
      });
      if (opts.maxCostUsd !== undefined && totals.costUsd > opts.maxCostUsd) {
        stop.abort(new AegisError("E_BUDGET", `the run has cost ${formatUsd(totals.costUsd)}, over --max-cost ${formatUsd(opts.maxCostUsd)}`, {
          hint: `resume it with a higher limit: aegis resume ${run.id} --max-cost <usd>`,
        }));
      }
    },
  });
  const park = async (p: ParkRequest): Promise<AegisError> => {
    const clock = opts.clock ?? systemClock;
    await host.db.waits.parkRun({ run_id: run.id, ...p, at: clock.now() });
    const err = new AegisError("E_PARKED", `the run is parked, ${parkMessage(p)}`, {
      data: { parked: p.state }, hint: p.question !== null ? `answer it with: aegis answer ${run.id} <value>` : p.event !== null ? `signal it with: aegis signal ${run.id} ${p.event} '<json>'` : `aegis serve wakes it; or resume it now: aegis resume ${run.id}`,
    });
    stop.abort(err);
    return err;
  };
  const engine = new Engine({
    host, journal, runId: run.id, name: wf.name, callerHandle: sessionOfCaller(opts.callerHandle ?? run.caller) ?? null, signal: stop.signal,
    emit, answers: opts.answers ?? {}, cwd: host.config.root, ...(opts.ask ? { ask: opts.ask } : {}),
    ...(opts.serveQueue ? { serveQueue: opts.serveQueue } : {}), ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.park ? { park } : {}),
  });
  journal.stopSignal = stop.signal;
  journal.onFirstLive = (seq) => {
    if (journal.recorded > 0) engine.log(`replayed the journal up to step ${seq - 1}; live from step ${seq}`);
  };
  emit({ type: "run_start", workflow: wf.name, args, attempt: run.attempt, recordedSteps: prior.length });
  const unwatch = watchRun(host, run.id, stop, engine, emit, opts);
  let result: unknown;
  let error: unknown;
  let ok = false;
  try {
    void host.queues.start();
    result = await untilStopped(Promise.resolve().then(() => wf.fn(engine, args)), stop.signal);
    ok = true;
  } catch (err) {
    error = err;
  } finally {
    unwatch();
    try {
      await engine.runSessions.closeAll();
    } catch (err) {
      engine.log(`closing the run's sessions failed: ${errorMessage(err)}`, "warn");
    }
  }
  const status: RunEndStatus = ok ? "done" : statusOf(error, stop.signal);
  const durationMs = Math.round(performance.now() - t0);
  const e = status === "done" ? undefined : describe(error, status);
  await host.db.runs.finishRun(run.id, {
    status, at: Date.now(), attemptMs: durationMs, ...(ok ? { result: storable(result) } : {}),
    ...(e ? { error: e.message, ...(e.code ? { errorCode: e.code } : {}), ...(e.stack ? { errorStack: e.stack } : {}) } : {}),
  });
  const outcome: RunOutcome = {
    runId: run.id, workflow: wf.name, status, attempt: run.attempt, costUsd: totals.costUsd, tokens: totals.tokens, durationMs,
    steps: counts, sessions: engine.runSessions.count, ...(ok ? { result } : { error }),
  };
  emit({
    type: "run_end", workflow: wf.name, status, durationMs, steps: counts, sessions: outcome.sessions, costUsd: totals.costUsd,
    tokens: totals.tokens, ...(ok && result !== undefined ? { result: storable(result) } : {}), ...(e ? { error: e } : {}),
  });
  return outcome;
}

/** How long a stopped workflow gets to unwind (its engine calls fail at once) before the run is recorded as stopped. */
const UNWIND_MS = 5000;

function untilStopped<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onStop = () => {
      timer = setTimeout(() => reject(signal.reason), UNWIND_MS);
    };
    if (signal.aborted) onStop();
    else signal.addEventListener("abort", onStop, { once: true });
    p.then(
      (v) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onStop);
        // A workflow that swallowed the stop and returned anyway still ends as stopped, not done.
        if (signal.aborted) reject(signal.reason);
        else resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onStop);
        reject(signal.aborted ? signal.reason : err);
      },
    );
  });
}

function statusOf(err: unknown, stop: AbortSignal): RunEndStatus {
  if (stop.aborted) return (stop.reason as AegisError)?.data?.cancelled ? "cancelled" : "interrupted";
  return isAegisError(err) ? "failed" : "crashed";
}

function describe(err: unknown, status: RunEndStatus): { code?: string; message: string; stack?: string } {
  if (isAegisError(err)) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof Error) return { message: `${err.name}: ${err.message}`, ...(status === "crashed" && err.stack ? { stack: err.stack } : {}) };
  return { message: `non-Error thrown: ${String(err)}` };
}

/** The result as the store and the event stream can hold it. */
function storable(v: unknown): unknown {
  try {
    JSON.stringify(v);
    return v;
  } catch {
    return String(v);
  }
}
