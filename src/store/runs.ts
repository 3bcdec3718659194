// The `runs` and `steps` tables: one row per workflow run, and the run's journal, one row per effectful engine call
// (its call-order key `seq`, kind, input digest, outcome and completion order `done_seq`). Rows are written when a
// step starts and committed again when it completes, so a killed run leaves a journal a resume can replay.
// It only reads and writes rows; replay policy lives in src/workflow/.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";

export const RUNS_MIGRATION: Migration = {
  version: 6,
  name: "runs and steps",
  up: `CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    file TEXT,
    args TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'crashed', 'cancelled', 'interrupted')),
    owner TEXT,
    caller TEXT,
    attempt INTEGER NOT NULL DEFAULT 1,
    result TEXT,
    error TEXT,
    error_code TEXT,
    error_stack TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_by_created ON runs (created_at);
  CREATE INDEX runs_running ON runs (owner) WHERE status = 'running';
  CREATE TABLE steps (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    digest TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    done_seq INTEGER,
    output TEXT,
    error TEXT,
    attempt INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    cost_usd REAL NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;`,
};

export type RunStatus = "running" | "done" | "failed" | "crashed" | "cancelled" | "interrupted";

export interface RunRow {
  id: string;
  workflow: string;
  file: string | null;
  args: string;
  status: RunStatus;
  owner: string | null;
  caller: string | null;
  attempt: number;
  result: string | null;
  error: string | null;
  error_code: string | null;
  error_stack: string | null;
  created_at: number;
  started_at: number;
  finished_at: number | null;
  duration_ms: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  cancel_requested: number;
  /** The host (AEGIS_HOST_ID or the hostname) whose process started it: only that host resumes it (#15). */
  host?: string | null;
}

export type StepStatus = "running" | "done" | "failed";

export interface StepRow {
  run_id: string;
  seq: number;
  kind: string;
  label: string;
  digest: string;
  status: StepStatus;
  done_seq: number | null;
  output: string | null;
  error: string | null;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

export interface NewRun {
  id: string;
  workflow: string;
  file?: string;
  args: unknown;
  owner?: string;
  caller?: string;
  /** The machine running it (fleet migration's runs.host); left null by callers that predate it. */
  host?: string;
  at: number;
}

export function insertRun(store: Store, r: NewRun): void {
  if (r.host !== undefined) {
    store.db.query(`INSERT INTO runs (id, workflow, file, args, status, owner, caller, created_at, started_at, host)
      VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`)
      .run(r.id, r.workflow, r.file ?? null, JSON.stringify(r.args ?? {}), r.owner ?? null, r.caller ?? null, r.at, r.at, r.host);
    return;
  }
  store.db.query(`INSERT INTO runs (id, workflow, file, args, status, owner, caller, created_at, started_at)
    VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`)
    .run(r.id, r.workflow, r.file ?? null, JSON.stringify(r.args ?? {}), r.owner ?? null, r.caller ?? null, r.at, r.at);
}

/** Marks a run running again for a new attempt under `owner`. */
export function restartRun(store: Store, id: string, owner: string | null, at: number): void {
  store.db.query(`UPDATE runs SET status = 'running', owner = ?, attempt = attempt + 1, started_at = ?, finished_at = NULL,
      result = NULL, error = NULL, error_code = NULL, error_stack = NULL, cancel_requested = 0 WHERE id = ?`)
    .run(owner, at, id);
}

export interface RunEnd {
  status: Exclude<RunStatus, "running">;
  result?: unknown;
  error?: string;
  errorCode?: string;
  errorStack?: string;
  at: number;
  /** Wall time of this attempt, added to the run's duration. */
  attemptMs: number;
}

export function finishRun(store: Store, id: string, e: RunEnd): void {
  store.db.query(`UPDATE runs SET status = ?, result = ?, error = ?, error_code = ?, error_stack = ?, finished_at = ?,
      duration_ms = duration_ms + ? WHERE id = ?`)
    .run(e.status, e.result === undefined ? null : JSON.stringify(e.result), e.error ?? null, e.errorCode ?? null,
      e.errorStack ?? null, e.at, Math.round(e.attemptMs), id);
}

/** Marks a run whose process died as crashed (only if it is still recorded as running). */
export function markRunCrashed(store: Store, id: string, at: number, why: string): boolean {
  return store.db.query(`UPDATE runs SET status = 'crashed', error = ?, error_code = 'E_CRASHED', finished_at = ?
      WHERE id = ? AND status = 'running'`).run(why, at, id).changes > 0;
}

export function requestRunCancel(store: Store, id: string): void {
  store.db.query("UPDATE runs SET cancel_requested = 1 WHERE id = ?").run(id);
}

export function getRun(store: Store, id: string): RunRow | null {
  return store.db.query<RunRow, [string]>("SELECT * FROM runs WHERE id = ?").get(id);
}

/** Runs, newest first. */
export function listRuns(store: Store, limit = 50): RunRow[] {
  return store.db.query<RunRow, [number]>("SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?").all(limit);
}

/** Runs whose process died while they ran (reconcileRuns marks them `crashed`), oldest first. */
export function crashedRunIds(store: Store): string[] {
  return store.sql<{ id: string }, []>("SELECT id FROM runs WHERE status = 'crashed' ORDER BY created_at, id").all().map((r) => r.id);
}

/** The statuses of the runs of the workflow file `file` (a dynamic workflow's stored spec), any order. */
export function runStatusesOfFile(store: Store, file: string): RunStatus[] {
  return store.db.query<{ status: RunStatus }, [string]>("SELECT status FROM runs WHERE file = ?").all(file).map((r) => r.status);
}

export function runningRuns(store: Store): RunRow[] {
  return store.db.query<RunRow, []>("SELECT * FROM runs WHERE status = 'running'").all();
}

export function cancelRequested(store: Store, id: string): boolean {
  return (store.db.query<{ c: number }, [string]>("SELECT cancel_requested AS c FROM runs WHERE id = ?").get(id)?.c ?? 0) === 1;
}

// ── steps ────────────────────────────────────────────────────────────────────────────────────────────────────

export function listSteps(store: Store, runId: string): StepRow[] {
  return store.db.query<StepRow, [string]>("SELECT * FROM steps WHERE run_id = ? ORDER BY seq").all(runId);
}

export interface NewStep {
  runId: string;
  seq: number;
  kind: string;
  label: string;
  digest: string;
  attempt: number;
  at: number;
}

/** Records a step as started (replacing an earlier attempt's unfinished or failed row with the same key). */
export function startStep(store: Store, s: NewStep): void {
  store.db.query(`INSERT OR REPLACE INTO steps (run_id, seq, kind, label, digest, status, attempt, started_at)
    VALUES (?, ?, ?, ?, ?, 'running', ?, ?)`)
    .run(s.runId, s.seq, s.kind, s.label, s.digest, s.attempt, s.at);
}

export interface StepEnd {
  status: "done" | "failed";
  doneSeq: number | null;
  output?: unknown;
  error?: string;
  at: number;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export function finishStep(store: Store, runId: string, seq: number, e: StepEnd): void {
  store.db.query(`UPDATE steps SET status = ?, done_seq = ?, output = ?, error = ?, finished_at = ?, cost_usd = ?,
      input_tokens = ?, output_tokens = ? WHERE run_id = ? AND seq = ?`)
    .run(e.status, e.doneSeq, e.output === undefined ? null : JSON.stringify(e.output), e.error ?? null, e.at,
      e.costUsd ?? 0, e.inputTokens ?? 0, e.outputTokens ?? 0, runId, seq);
}

/** Marks a completed step failed with `error` (its output stays), so that a later attempt runs it again. */
export function failDoneStep(store: Store, runId: string, seq: number, error: string): void {
  store.db.query("UPDATE steps SET status = 'failed', error = ? WHERE run_id = ? AND seq = ? AND status = 'done'").run(error, runId, seq);
}

/** Adds a step's usage to its run's totals (called in the step's commit transaction). */
export function addRunUsage(store: Store, runId: string, costUsd: number, inputTokens: number, outputTokens: number): void {
  store.db.query("UPDATE runs SET cost_usd = cost_usd + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ? WHERE id = ?")
    .run(costUsd, inputTokens, outputTokens, runId);
}

/**
 * Marks as superseded the messages an earlier attempt of a run sent to a session handle and that were never read (the
 * attempt died mid-turn). The resumed run's journal decides whether to send them again; left alone, the next session
 * holding the handle would receive them a second time.
 */
export function supersedeUnread(store: Store, target: string, sender: string, at: number): number {
  return store.db.query("UPDATE inbox SET delivered_at = ?, session_id = 'superseded' WHERE target = ? AND sender = ? AND delivered_at IS NULL")
    .run(at, target, sender).changes;
}

export function setStepDoneSeq(store: Store, runId: string, seq: number, doneSeq: number): void {
  store.db.query("UPDATE steps SET done_seq = ? WHERE run_id = ? AND seq = ?").run(doneSeq, runId, seq);
}
