// The runs family on the async store contract (#15), derived from src/store/runs.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { RunRow, RunStatus, StepRow, NewRun, RunEnd, NewStep, StepEnd } from "../runs.ts";

export interface RunsApi {
  insertRun(r: NewRun): Promise<void>;
  /** Marks a run running again for a new attempt under `owner`. */
  restartRun(id: string, owner: string | null, at: number): Promise<void>;
  finishRun(id: string, e: RunEnd): Promise<void>;
  /** Marks a run whose process died as crashed (only if it is still recorded as running). */
  markRunCrashed(id: string, at: number, why: string): Promise<boolean>;
  requestRunCancel(id: string): Promise<void>;
  getRun(id: string): Promise<RunRow | null>;
  /** Runs, newest first. */
  listRuns(limit?: number): Promise<RunRow[]>;
  /** Runs whose process died while they ran (reconcileRuns marks them `crashed`), oldest first. */
  crashedRunIds(): Promise<string[]>;
  runningRuns(): Promise<RunRow[]>;
  /** The statuses of the runs of the workflow file `file` (a dynamic workflow's stored spec), any order. */
  runStatusesOfFile(file: string): Promise<RunStatus[]>;
  cancelRequested(id: string): Promise<boolean>;
  listSteps(runId: string): Promise<StepRow[]>;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  startStep(s: NewStep): void;
  finishStep(runId: string, seq: number, e: StepEnd): Promise<void>;
  /** Marks a completed step failed with `error` (its output stays), so that a later attempt runs it again. */
  failDoneStep(runId: string, seq: number, error: string): Promise<void>;
  /** Buffered: ordered with this process's other writes, committed by the tick or store.flush(). */
  addRunUsage(runId: string, costUsd: number, inputTokens: number, outputTokens: number): void;
  /**
   * Marks as superseded the messages an earlier attempt of a run sent to a session handle and that were never read (the
   * attempt died mid-turn). The resumed run's journal decides whether to send them again; left alone, the next session
   * holding the handle would receive them a second time.
   */
  supersedeUnread(target: string, sender: string, at: number): Promise<number>;
  setStepDoneSeq(runId: string, seq: number, doneSeq: number): Promise<void>;
}
