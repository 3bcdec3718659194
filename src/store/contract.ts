// The store contract shared by both backends (#15): what a worker fleet needs from the database — worker leases with
// heartbeats, task claims bounded by a queue's fleet-wide maxParallel and fenced by a per-claim token, recovery of the
// tasks of workers whose lease expired, and wake-ups when another process changed something. It is asynchronous
// because PostgreSQL is; the SQLite backend (sqlite/fleet.ts) implements it over the synchronous bun:sqlite code, the
// PostgreSQL backend (postgres/fleet.ts) over Bun.sql. It holds types only: no SQL, no policy (src/queue/ decides
// what to claim and what a recovered task becomes).
//
// This is the prototype of the tasks/workers family; PG-DESIGN.md (issue 15) extends the same shape to every family.

import type { NewTask, TaskOutcome, TaskRow } from "./tasks.ts";

export type BackendName = "sqlite" | "postgres";

/** What a change wakes: the queue manager listens on "tasks" (key: queue) and "workers" (key: worker id). */
export type Topic = "tasks" | "workers" | "inbox" | "runs";

export interface WorkerInfo {
  /** Machine identity: where host-bound records (sessions, worktrees, parked runs) can be resumed. */
  host: string;
  pid: number;
  /** `aegis work --host-label`: which queues' `hosts: [...]` this worker may serve. */
  labels: readonly string[];
  queues: readonly string[];
  /** `--concurrency N`: at most this many tasks at once in this worker, across its queues. */
  concurrency: number;
  /** How long the lease lasts without a heartbeat. */
  leaseMs: number;
}

/** A registered worker's hold on the fleet (its owner id); valid while its row exists and has not expired. */
export interface Lease {
  readonly workerId: string;
}

export interface WorkerRow extends WorkerInfo {
  id: string;
  startedAt: number;
  heartbeatAt: number;
  leaseExpiresAt: number;
  /** Ids of the tasks it runs now. */
  running: string[];
}

/** A claimed task, with the fencing token every later write for this claim must present. */
export interface ClaimedTask extends TaskRow {
  fence: number;
}

export interface ClaimRequest {
  queue: string;
  /** The queue's fleet-wide limit (counted across every process sharing the database). */
  maxParallel: number;
  /** At most this many in this call (the worker's free local slots). */
  limit: number;
  lease: Lease;
  /** Tasks bound to another host are skipped. */
  host: string;
}

/** The tasks of an expired (or dead) worker, already moved to a terminal state by recover(). */
export interface Recovered {
  workerId: string;
  tasks: TaskRow[];
}

/** Fleet operations on tasks and workers. Every method is one transaction unless it says otherwise. */
export interface FleetStore {
  readonly backend: BackendName;
  /** Registers a worker with a fresh lease. */
  register(w: WorkerInfo): Promise<Lease>;
  /** Extends the lease; false when it was lost (expired and recovered by another worker): stop all work at once. */
  heartbeat(lease: Lease): Promise<boolean>;
  /** Removes the worker (clean exit); its running tasks, if any, are left for recover(). */
  unregister(lease: Lease): Promise<void>;
  workers(): Promise<WorkerRow[]>;

  enqueue(t: NewTask): Promise<TaskRow>;
  getTask(id: string): Promise<TaskRow | null>;
  counts(queue: string): Promise<{ pending: number; running: number }>;
  /**
   * Claims up to min(limit, maxParallel - running) of the queue's oldest pending tasks for the lease's worker. Two
   * claimers never get one task (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), and the running count stays
   * within maxParallel across the fleet. Each claim gets a new fencing token.
   */
  claim(r: ClaimRequest): Promise<ClaimedTask[]>;
  /**
   * Moves a claimed task to its outcome if the claim still stands (same worker, same fence, still running); false
   * otherwise — the lease was lost and the task recovered: the caller must drop its result.
   */
  finish(id: string, fence: number, lease: Lease, o: TaskOutcome): Promise<boolean>;
  /**
   * Workers whose lease expired (by the database's clock) are removed and their running tasks end as `failed` with
   * `error` (today's "interrupted"); each task once, whichever worker runs this first.
   */
  recover(error: string): Promise<Recovered[]>;

  /**
   * Calls `fn(key)` after a commit by any process touched `topic` (NOTIFY on PostgreSQL; in-process events plus the
   * WAL file watch on SQLite), and with key "*" after a reconnect or the slow safety poll: then rescan everything.
   */
  subscribe(topic: Topic, fn: (key: string) => void): () => void;
  close(): Promise<void>;
}

export interface OpenFleetOptions {
  /** The slow safety poll for wake-ups lost during a reconnect; default 5 s. */
  safetyPollMs?: number;
}
