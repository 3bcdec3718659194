// Runs as the CLI and the MCP plane see them: the public run object (one shape for `aegis runs --json` and the
// aegis_workflow_status tool), crash detection (a run still marked running whose process is gone becomes `crashed`),
// and cancelling a run from another process. It must not execute runs.

import type { Db } from "../store/api.ts";
import type { RunRow, StepRow } from "../store/runs.ts";
import type { ParkRow } from "../store/waits.ts";
import { cancelParked } from "./signals.ts";
import { isoSeconds } from "../session/sender.ts";
import { AegisError } from "../util/errors.ts";
import { hostName } from "../store/owners.ts";
import { silentForMs } from "../store/owner-silence.ts";
import { DEFAULT_LEASE_MS } from "../config/schema.ts";

export interface RunView {
  runId: string;
  workflow: string;
  /** `sleeping` and `waiting` are parked runs (engine.sleep, waitFor, askHuman under serve): stored as interrupted. */
  status: RunRow["status"] | "sleeping" | "waiting";
  /** What a parked run waits for: its wake time, the event, or the question it asks. */
  parked?: { wakeAt?: string; event?: string; question?: { question: string; key: string; options?: string[] } };
  attempt: number;
  args: unknown;
  file: string | null;
  caller: string | null;
  /** The machine that started it (AEGIS_HOST_ID, else the host name): only that host resumes it; null before #15. */
  host: string | null;
  /**
   * A running run whose process is on another machine and has sent no heartbeat for longer than store.leaseMs (that
   * machine died, slept or lost the network): its host and for how long (ms). Only its host can tell it crashed (#15).
   */
  silent?: { host: string; forMs: number };
  createdAt: string;
  finishedAt: string | null;
  durationMs: number;
  costUsd: number;
  tokens: { input: number; output: number };
  result?: unknown;
  error?: { code: string | null; message: string; stack?: string };
}

export interface StepView {
  step: number;
  kind: string;
  label: string;
  status: StepRow["status"];
  attempt: number;
  durationMs: number | null;
  costUsd: number;
  error?: string;
}

export function toRunView(r: RunRow, park?: ParkRow | null, silent?: RunView["silent"]): RunView {
  const parked = park && r.status !== "running" ? park : undefined;
  return {
    runId: r.id, workflow: r.workflow, status: parked ? parked.state : r.status, ...(silent && r.status === "running" ? { silent } : {}),
    ...(parked ? { parked: parkView(parked) } : {}), attempt: r.attempt, args: JSON.parse(r.args), file: r.file, caller: r.caller, host: r.host ?? null,
    createdAt: isoSeconds(r.created_at), finishedAt: r.finished_at === null ? null : isoSeconds(r.finished_at),
    durationMs: r.duration_ms, costUsd: r.cost_usd, tokens: { input: r.input_tokens, output: r.output_tokens },
    ...(r.result !== null ? { result: JSON.parse(r.result) } : {}),
    ...(r.error !== null ? { error: { code: r.error_code, message: r.error, ...(r.error_stack ? { stack: r.error_stack } : {}) } } : {}),
  };
}

function parkView(p: ParkRow): NonNullable<RunView["parked"]> {
  return {
    ...(p.wake_at !== null ? { wakeAt: isoSeconds(p.wake_at) } : {}),
    ...(p.event !== null && p.question === null ? { event: p.event } : {}),
    ...(p.question !== null ? { question: JSON.parse(p.question) as { question: string; key: string; options?: string[] } } : {}),
  };
}

export function toStepView(s: StepRow): StepView {
  let error: string | undefined;
  if (s.error) {
    try {
      error = (JSON.parse(s.error) as { message?: string }).message ?? s.error;
    } catch {
      error = s.error; // a plain-text error (older rows): show it as it is
    }
  }
  return {
    step: s.seq, kind: s.kind, label: s.label, status: s.status, attempt: s.attempt,
    durationMs: s.finished_at === null ? null : s.finished_at - s.started_at, costUsd: s.cost_usd, ...(error ? { error } : {}),
  };
}

/** Marks runs whose process died as crashed. Returns their ids. */
export async function reconcileRuns(db: Db): Promise<string[]> {
  const running = await db.runs.runningRuns();
  if (running.length === 0) return [];
  const dead = await db.owners.deadOwners(running.flatMap((r) => (r.owner ? [r.owner] : [])));
  const crashed: string[] = [];
  for (const r of running) {
    if (r.owner !== null && !dead.has(r.owner)) continue;
    if (await db.runs.markRunCrashed(r.id, Date.now(), "the aegis process running it stopped (killed or crashed)")) crashed.push(r.id);
  }
  return crashed;
}

/** How runs are judged for display: `leaseMs` (store.leaseMs) is how long another machine's process may stay silent. */
export interface RunViewOptions {
  leaseMs?: number;
}

/** The silent owners (another machine's, no heartbeat for longer than `leaseMs`) of the running ones of `runs`, by owner id. */
async function silentOwnersOf(db: Db, runs: readonly RunRow[], leaseMs = DEFAULT_LEASE_MS): Promise<Map<string, NonNullable<RunView["silent"]>>> {
  const owners = new Set(runs.flatMap((r) => (r.status === "running" && r.owner ? [r.owner] : [])));
  const silent = new Map<string, NonNullable<RunView["silent"]>>();
  if (owners.size === 0) return silent;
  for (const w of await db.owners.listWorkers()) {
    const forMs = owners.has(w.id) ? silentForMs(w, leaseMs) : null;
    if (forMs !== null) silent.set(w.id, { host: w.host, forMs });
  }
  return silent;
}

/** One run as `aegis runs --json` shows it (after crash detection), or undefined if there is no such run. */
export async function findRunView(db: Db, runId: string, o: RunViewOptions = {}): Promise<RunView | undefined> {
  await reconcileRuns(db);
  const r = await db.runs.getRun(runId);
  return r ? toRunView(r, await db.waits.getPark(runId), (await silentOwnersOf(db, [r], o.leaseMs)).get(r.owner ?? "")) : undefined;
}

export async function listRunViews(db: Db, limit = 50, o: RunViewOptions = {}): Promise<RunView[]> {
  await reconcileRuns(db);
  const runs = await db.runs.listRuns(limit);
  const [parks, silent] = await Promise.all([db.waits.parksOf(runs.map((r) => r.id)), silentOwnersOf(db, runs, o.leaseMs)]);
  return runs.map((r) => toRunView(r, parks.get(r.id), silent.get(r.owner ?? "")));
}

/** One run with its steps and the sessions it spawned. E_NOT_FOUND if there is no such run. */
export async function showRun(db: Db, runId: string, o: RunViewOptions = {}): Promise<RunView & { steps: StepView[]; sessions: { handle: string; agent: string; state: string; costUsd: number; host: string | null }[] }> {
  await reconcileRuns(db);
  const r = await requireRun(db, runId);
  const silent = (await silentOwnersOf(db, [r], o.leaseMs)).get(r.owner ?? "");
  const sessions = (await db.sessions.sessionsSpawnedBy(`workflow:${r.workflow}:${r.id}`))
    .map((s) => ({ handle: s.handle, agent: s.agent, state: s.state, costUsd: s.cost_usd, host: s.host ?? null }));
  return { ...toRunView(r, await db.waits.getPark(runId), silent), steps: (await db.runs.listSteps(runId)).map(toStepView), sessions };
}

export async function requireRun(db: Db, runId: string): Promise<RunRow> {
  const r = await db.runs.getRun(runId);
  if (!r) throw new AegisError("E_NOT_FOUND", `no run ${runId}`, { data: { runId }, hint: "list runs with: aegis runs" });
  return r;
}

/**
 * Cancels a run: one running in a live process is asked to stop (it watches its row) and this waits for it to end,
 * up to `waitMs`; one whose process is gone is recorded as crashed (it is not running). Returns the run afterwards.
 */
export async function cancelRun(db: Db, runId: string, waitMs = 10_000): Promise<RunView> {
  await reconcileRuns(db);
  const r = await requireRun(db, runId);
  if (r.status !== "running") {
    // A parked run has no process to stop: cancelling it records it cancelled, and nothing wakes it any more.
    // A crashed one likewise, so that `aegis serve` no longer resumes it at start (#12).
    if (!(await cancelParked(db, runId, Date.now())) && r.status === "crashed") {
      await db.runs.finishRun(runId, { status: "cancelled", at: Date.now(), attemptMs: 0, error: "cancelled after it crashed", errorCode: "E_CANCELLED" });
    }
    return toRunView((await db.runs.getRun(runId))!, await db.waits.getPark(runId));
  }
  await db.runs.requestRunCancel(runId);
  await db.flush(); // the process running it reads the request from the database
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await Bun.sleep(100);
    const now = (await db.runs.getRun(runId))!;
    if (now.status !== "running") return toRunView(now);
    await reconcileRuns(db);
  }
  return toRunView((await db.runs.getRun(runId))!);
}

/**
 * True for a run another machine started (its host is recorded and is not this one): its parked files and worktrees
 * live there, so only that host's serve wakes or resumes it on its own (#15). Runs recorded before hosts are anyone's.
 */
export function isForeignRun(run: Pick<RunRow, "host">): boolean {
  return !!run.host && run.host !== hostName();
}

/** Refuses (E_STATE, naming both hosts) to resume here a run another machine started: its files are there (#15). */
export function requireLocalRun(run: Pick<RunRow, "id" | "host">): void {
  if (!isForeignRun(run)) return;
  throw new AegisError("E_STATE", `run ${run.id} ran on host ${run.host}: its parked files and worktrees are there, so it cannot be resumed on ${hostName()}`, {
    data: { runId: run.id, host: run.host, here: hostName() },
    hint: `resume it on ${run.host} (aegis resume ${run.id}, or that machine's aegis serve wakes it); this machine's host id comes from AEGIS_HOST_ID, else the host name`,
  });
}
