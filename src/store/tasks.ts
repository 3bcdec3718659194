// The `tasks` table: queue tasks from enqueue to one terminal state. `seq` (the rowid) gives FIFO order; a claim
// moves the oldest pending tasks to `running` under the claiming owner inside a write transaction, and every later
// transition is guarded by the expected status (and owner), so no task is claimed or finished twice, even by two
// processes. Queue policy (dispatch, budgets, callbacks) lives in src/queue/.

import type { Migration } from "./migrations.ts";
import type { Store } from "./store.ts";
import type { TaskWorktreeColumns } from "./task-worktrees.ts";

export const TASKS_MIGRATION: Migration = {
  version: 5,
  name: "tasks",
  up: `CREATE TABLE tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    enqueued_by TEXT NOT NULL,
    callback INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    owner TEXT,
    worker_handle TEXT,
    worker_session TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    enqueued_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    cost_usd REAL NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX tasks_by_queue_status ON tasks (queue, status, seq);
  CREATE INDEX tasks_running_owner ON tasks (owner) WHERE status = 'running';
  CREATE INDEX tasks_finished ON tasks (queue, finished_at) WHERE finished_at IS NOT NULL;`,
};

/**
 * Per-queue counts of pending and running tasks, kept by triggers, so a new task's position and a claim's free
 * slots cost one row read instead of a scan of the queue.
 */
export const QUEUE_COUNTS_MIGRATION: Migration = {
  version: 7,
  name: "queue counts",
  // The status-first index serves both "a queue's pending tasks in order" and "every running task" (recovery,
  // cancel requests), so the owner index goes: one index less to maintain on every claim and finish.
  up: `DROP INDEX tasks_running_owner;
  DROP INDEX tasks_by_queue_status;
  CREATE INDEX tasks_by_status ON tasks (status, queue, seq);
  CREATE TABLE queue_counts (
    queue TEXT PRIMARY KEY,
    pending INTEGER NOT NULL DEFAULT 0,
    running INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO queue_counts (queue, pending, running)
    SELECT queue, sum(status = 'pending'), sum(status = 'running') FROM tasks GROUP BY queue;
  CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO queue_counts (queue, pending, running) VALUES (NEW.queue, NEW.status = 'pending', NEW.status = 'running')
      ON CONFLICT (queue) DO UPDATE SET pending = pending + excluded.pending, running = running + excluded.running;
  END;
  CREATE TRIGGER tasks_count_update AFTER UPDATE OF status ON tasks WHEN OLD.status != NEW.status BEGIN
    UPDATE queue_counts SET
      pending = pending - (OLD.status = 'pending') + (NEW.status = 'pending'),
      running = running - (OLD.status = 'running') + (NEW.status = 'running')
      WHERE queue = NEW.queue;
  END;
  CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE queue_counts SET pending = pending - (OLD.status = 'pending'), running = running - (OLD.status = 'running')
      WHERE queue = OLD.queue;
  END;`,
};

export type TaskStatus = "pending" | "running" | "done" | "failed" | "cancelled";
export const TERMINAL: ReadonlySet<TaskStatus> = new Set(["done", "failed", "cancelled"]);

/** A task row; the worktree columns (task-worktrees.ts) are set only for a worker that ran in a worktree. */
export interface TaskRow extends TaskWorktreeColumns {
  seq: number;
  id: string;
  queue: string;
  payload: string;
  enqueued_by: string;
  callback: number;
  idempotency_key: string | null;
  status: TaskStatus;
  owner: string | null;
  worker_handle: string | null;
  worker_session: string | null;
  cancel_requested: number;
  result: string | null;
  error: string | null;
  enqueued_at: number;
  started_at: number | null;
  finished_at: number | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  /** Bumped by every claim: the claim's fencing token (#15); a finish presenting an older one changes nothing. */
  fence?: number;
  /** The host this task is pinned to (only workers there claim it); null for any. */
  host?: string | null;
  /** The host whose worker ran it (its worker session's host), as reads fill it in; null before it started (#15). */
  worker_host?: string | null;
}

/** Options of a fleet claim (#15). */
export interface ClaimOptions {
  /** Claim only while the owner holds a live lease (a queue worker): a worker that lost its lease claims nothing. */
  leased?: boolean;
  /** This worker's host: tasks pinned to another host are skipped. */
  host?: string;
}

export interface NewTask {
  id: string;
  queue: string;
  payload: string;
  enqueuedBy: string;
  callback: boolean;
  idempotencyKey?: string;
  at: number;
  /** Pin the task to this host's workers. */
  host?: string;
}

export function insertTask(store: Store, t: NewTask): number {
  if (t.host !== undefined) {
    return store.sql(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, idempotency_key, status, enqueued_at, host)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`)
      .run(t.id, t.queue, t.payload, t.enqueuedBy, t.callback ? 1 : 0, t.idempotencyKey ?? null, t.at, t.host).lastInsertRowid as number;
  }
  return store.sql(`INSERT INTO tasks (id, queue, payload, enqueued_by, callback, idempotency_key, status, enqueued_at)
    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`)
    .run(t.id, t.queue, t.payload, t.enqueuedBy, t.callback ? 1 : 0, t.idempotencyKey ?? null, t.at).lastInsertRowid as number;
}

/**
 * The columns read back for a task. A running task's worker handle lives on its session row (the claim records only
 * the worker's session id; finishing copies the handle over), so reads fill it in from there.
 */
const TASK_SELECT = `SELECT tasks.*, coalesce(tasks.worker_handle, (SELECT handle FROM sessions WHERE sessions.id = tasks.worker_session)) AS worker_handle,
  (SELECT host FROM sessions WHERE sessions.id = tasks.worker_session) AS worker_host
  FROM tasks`;

/** The session id of a task's worker: derived from the task id, so the claim can record it in the same statement. */
export function workerSessionId(taskId: string): string {
  return `ses_${taskId.slice(taskId.indexOf("_") + 1)}`;
}

export function getTask(store: Store, id: string): TaskRow | null {
  return store.sql<TaskRow, [string]>(`${TASK_SELECT} WHERE id = ?`).get(id);
}

export function findByIdempotencyKey(store: Store, queue: string, key: string): TaskRow | null {
  return store.sql<TaskRow, [string, string]>(`${TASK_SELECT} WHERE queue = ? AND idempotency_key = ?`).get(queue, key);
}

/** 1-based place of a pending task among its queue's pending tasks; 0 if it is not pending. */
export function pendingPosition(store: Store, t: Pick<TaskRow, "queue" | "seq" | "status">): number {
  if (t.status !== "pending") return 0;
  const row = store.sql<{ n: number }, [string, number]>(
    "SELECT count(*) AS n FROM tasks WHERE queue = ? AND status = 'pending' AND seq <= ?",
  ).get(t.queue, t.seq);
  return row?.n ?? 0;
}

/** How many tasks of the queue are pending and running (from the trigger-kept counts). */
export function queueCounts(store: Store, queue: string): { pending: number; running: number } {
  return store.sql<{ pending: number; running: number }, [string]>("SELECT pending, running FROM queue_counts WHERE queue = ?")
    .get(queue) ?? { pending: 0, running: 0 };
}

/** What a pending task can have set (reading only these columns is cheaper than the whole row). */
export type PendingTask = Pick<TaskRow, "seq" | "id" | "queue" | "payload" | "enqueued_by" | "callback" | "idempotency_key" | "enqueued_at">;

/** The queue's `n` oldest pending tasks, oldest first. */
export function pendingHead(store: Store, queue: string, n: number): PendingTask[] {
  return store.sql<PendingTask, [string, number]>(`SELECT seq, id, queue, payload, enqueued_by, callback, idempotency_key, enqueued_at
    FROM tasks WHERE status = 'pending' AND queue = ? ORDER BY seq LIMIT ?`).all(queue, n);
}

/**
 * Claims one pending task for `owner`, recording its worker's session id (workerSessionId); null if it is no longer
 * pending (claimed by another process, or cancelled). Claims must run inside a write transaction (store.batch/write)
 * together with the running count that allowed them: that is what makes them atomic across processes.
 */
export function claimTask(store: Store, p: PendingTask, owner: string, at: number): TaskRow | null {
  return store.sql<TaskRow, [string, number, string, number]>(`UPDATE tasks SET status = 'running', owner = ?, started_at = ?, worker_session = ?,
    fence = fence + 1 WHERE seq = ? AND status = 'pending' RETURNING *`).get(owner, at, workerSessionId(p.id), p.seq);
}

/**
 * Claims up to `maxParallel - running` (and at most `limit`) of the queue's oldest pending tasks, in one write
 * transaction (the running count that allows them is exact across processes); each claim bumps the task's fence.
 * With `leased`, nothing is claimed unless `owner` holds a live lease; tasks pinned to a host other than `host` are
 * skipped.
 */
export function claimTasks(store: Store, queue: string, maxParallel: number, owner: string, at: number, limit = Infinity, o: ClaimOptions = {}): TaskRow[] {
  return store.batch(() => {
    if (o.leased && !leaseLive(store, owner)) return [];
    const free = Math.min(limit, maxParallel - queueCounts(store, queue).running);
    if (free <= 0) return [];
    const picked = o.host === undefined
      ? pendingHead(store, queue, free)
      : store.sql<PendingTask, [string, string, number]>(`SELECT seq, id FROM tasks WHERE status = 'pending' AND queue = ?
        AND (host IS NULL OR host = ?) ORDER BY seq LIMIT ?`).all(queue, o.host, free);
    return picked.flatMap((p) => claimTask(store, p, owner, at) ?? []);
  });
}

/** Whether `owner` is registered and its lease (if it has one) has not expired. */
function leaseLive(store: Store, owner: string): boolean {
  const r = store.sql<{ lease_expires_at: number | null }, [string]>("SELECT lease_expires_at FROM owners WHERE id = ?").get(owner);
  return r !== null && (r.lease_expires_at === null || r.lease_expires_at > Date.now());
}

export interface TaskOutcome {
  status: "done" | "failed" | "cancelled";
  result: string | null;
  error: string | null;
  at: number;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** The worker's handle, when the caller knows it. */
  workerHandle?: string;
}

/**
 * Moves a task to a terminal state if it is still in `from` (and, for running tasks, still held by `owner` under the
 * claim's `fence` when given). Returns false when another transition got there first (or the claim was lost and the
 * task recovered), so callers never finish a task twice.
 */
export function finishTask(store: Store, id: string, from: "pending" | "running", o: TaskOutcome, owner?: string, fence?: number): boolean {
  // The worker's handle is copied from its session row unless the caller knows it (coalesce stops at the first).
  const sql = `UPDATE tasks SET status = ?, result = ?, error = ?, finished_at = ?, cost_usd = ?, input_tokens = ?, output_tokens = ?,
    worker_handle = coalesce(?, worker_handle, (SELECT handle FROM sessions WHERE sessions.id = tasks.worker_session))
    WHERE id = ? AND status = ?${owner === undefined ? "" : " AND owner = ?"}${fence === undefined ? "" : " AND fence = ?"}`;
  const args: (string | number | null)[] = [o.status, o.result, o.error, o.at, o.costUsd ?? 0, o.inputTokens ?? 0, o.outputTokens ?? 0, o.workerHandle ?? null, id, from];
  if (owner !== undefined) args.push(owner);
  if (fence !== undefined) args.push(fence);
  return store.sql(sql).run(...args).changes > 0;
}

/** One finish of finishTasks: finishTask's arguments. */
export interface FinishRequest {
  id: string;
  from: "pending" | "running";
  outcome: TaskOutcome;
  owner?: string;
  fence?: number;
}

/** finishTask for several tasks at once (one write): the ids that moved, each guarded as finishTask guards it. */
export function finishTasks(store: Store, list: readonly FinishRequest[]): string[] {
  return store.batch(() => list.filter((f) => finishTask(store, f.id, f.from, f.outcome, f.owner, f.fence)).map((f) => f.id));
}

export function requestCancel(store: Store, id: string): boolean {
  return store.sql("UPDATE tasks SET cancel_requested = 1 WHERE id = ? AND status = 'running'").run(id).changes > 0;
}

/** Running tasks of `owner` that another process asked to cancel. */
export function cancelRequestedFor(store: Store, owner: string): string[] {
  return store.sql<{ id: string }, [string]>(
    "SELECT id FROM tasks WHERE owner = ? AND status = 'running' AND cancel_requested = 1",
  ).all(owner).map((r) => r.id);
}

export function ownersOfRunningTasks(store: Store): string[] {
  return store.sql<{ owner: string }, []>("SELECT DISTINCT owner FROM tasks WHERE status = 'running' AND owner IS NOT NULL")
    .all().map((r) => r.owner);
}

export function runningTasksOf(store: Store, owner: string): TaskRow[] {
  return store.sql<TaskRow, [string]>("SELECT * FROM tasks WHERE status = 'running' AND owner = ? ORDER BY seq").all(owner);
}

export function listTasks(store: Store, f: { queue?: string; status?: TaskStatus; limit?: number } = {}): TaskRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (f.queue !== undefined) {
    where.push("queue = ?");
    args.push(f.queue);
  }
  if (f.status !== undefined) {
    where.push("status = ?");
    args.push(f.status);
  }
  args.push(f.limit ?? -1);
  return store.sql<TaskRow, (string | number)[]>(
    `${TASK_SELECT}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT ?`,
  ).all(...args);
}

/** Terminal tasks of a queue finished after `since`, oldest first: what budgets count. */
export function spendSince(store: Store, queue: string, since: number): { finished_at: number; cost_usd: number; output_tokens: number }[] {
  return store.sql<{ finished_at: number; cost_usd: number; output_tokens: number }, [string, number]>(
    "SELECT finished_at, cost_usd, output_tokens FROM tasks WHERE queue = ? AND finished_at > ? ORDER BY finished_at",
  ).all(queue, since);
}
