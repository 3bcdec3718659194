// The tasks family on the async store contract (#15), derived from src/store/tasks.ts by the rule in
// PG-DESIGN.md §2.1: each `fn(store, ...args): R` there is `fn(...args): Promise<R>` here, same name; buffered writes
// return void. The SQLite backend implements it over the synchronous functions, the PostgreSQL backend over Bun.sql.
// Types only.

import type { ClaimOptions, FinishRequest, TaskStatus, TaskRow, NewTask, PendingTask, TaskOutcome } from "../tasks.ts";

export interface TasksApi {
  insertTask(t: NewTask): Promise<number>;
  getTask(id: string): Promise<TaskRow | null>;
  findByIdempotencyKey(queue: string, key: string): Promise<TaskRow | null>;
  /** 1-based place of a pending task among its queue's pending tasks; 0 if it is not pending. */
  pendingPosition(t: Pick<TaskRow, "queue" | "seq" | "status">): Promise<number>;
  /** How many tasks of the queue are pending and running (from the trigger-kept counts). */
  queueCounts(queue: string): Promise<{ pending: number; running: number }>;
  /** The queue's `n` oldest pending tasks, oldest first. */
  pendingHead(queue: string, n: number): Promise<PendingTask[]>;
  /**
   * Claims one pending task for `owner`, recording its worker's session id (workerSessionId); null if it is no longer
   * pending (claimed by another process, or cancelled). Claims must run inside a write transaction (store.batch/write)
   * together with the running count that allowed them: that is what makes them atomic across processes.
   */
  claimTask(p: PendingTask, owner: string, at: number): Promise<TaskRow | null>;
  /**
   * Claims up to `maxParallel - running` (and at most `limit`) of the queue's oldest pending tasks in one transaction
   * (exact fleet-wide running count; SKIP LOCKED on PostgreSQL); each claim bumps the task's fence. With `o.leased`,
   * only while `owner`'s lease is live; tasks pinned to a host other than `o.host` are skipped.
   */
  claimTasks(queue: string, maxParallel: number, owner: string, at: number, limit?: number, o?: ClaimOptions): Promise<TaskRow[]>;
  /**
   * Moves a task to a terminal state if it is still in `from` (and, for running tasks, still held by `owner` under
   * the claim's `fence` when given). Returns false when another transition got there first, so callers never finish
   * a task twice.
   */
  finishTask(id: string, from: "pending" | "running", o: TaskOutcome, owner?: string, fence?: number): Promise<boolean>;
  /**
   * finishTask for several tasks in one write (one statement and one commit on PostgreSQL: a group commit of the
   * finishes of one moment); each is guarded as finishTask guards it. Returns the ids that moved.
   */
  finishTasks(list: readonly FinishRequest[]): Promise<string[]>;
  requestCancel(id: string): Promise<boolean>;
  /** Running tasks of `owner` that another process asked to cancel. */
  cancelRequestedFor(owner: string): Promise<string[]>;
  ownersOfRunningTasks(): Promise<string[]>;
  runningTasksOf(owner: string): Promise<TaskRow[]>;
  listTasks(f?: { queue?: string; status?: TaskStatus; limit?: number }): Promise<TaskRow[]>;
  /** Terminal tasks of a queue finished after `since`, oldest first: what budgets count. */
  spendSince(queue: string, since: number): Promise<{ finished_at: number; cost_usd: number; output_tokens: number }[]>;
}

// Not on the contract (pure helpers, or not taking the store): workerSessionId.
