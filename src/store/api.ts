// The async store contract (#15): `Db`, what every module outside src/store/ will read and write through, whichever
// backend holds the state (SQLite by default, PostgreSQL with `store.url` / AEGIS_DATABASE_URL). One repository per
// table family (src/store/api/<family>.ts, derived from today's functions: same names, the store argument dropped,
// results as promises), plus transactions, durability, and change subscriptions. Types only: the backends are
// src/store/sqlite/ and src/store/postgres/. Design and rules: /tmp/team/PG-DESIGN.md (issue 15).

import type { ClaimsApi } from "./api/claims.ts";
import type { DashboardApi } from "./api/dashboard.ts";
import type { EventsApi } from "./api/events.ts";
import type { GroupsApi } from "./api/groups.ts";
import type { InboxApi } from "./api/inbox.ts";
import type { OwnersApi } from "./api/owners.ts";
import type { RunsApi } from "./api/runs.ts";
import type { SchedulesApi } from "./api/schedules.ts";
import type { SessionsApi } from "./api/sessions.ts";
import type { TaskWorktreesApi } from "./api/task-worktrees.ts";
import type { TasksApi } from "./api/tasks.ts";
import type { WaitsApi } from "./api/waits.ts";
import type { WorktreesApi } from "./api/worktrees.ts";

export type BackendName = "sqlite" | "postgres";

/**
 * What a change wakes, and its key: tasks (queue), inbox (target handle), runs (run id: signals, cancel, parks, end),
 * sessions (session id), workers (owner id), schedules (schedule name). Key "*" means: rescan everything (sent after
 * a reconnect and by the slow safety poll, and on SQLite for another process's commit).
 */
export type DbTopic = "tasks" | "inbox" | "runs" | "sessions" | "workers" | "schedules";

/** The table families; inside `tx` the same repositories run in the transaction. */
export interface DbRepos {
  readonly tasks: TasksApi;
  readonly taskWorktrees: TaskWorktreesApi;
  readonly owners: OwnersApi;
  readonly sessions: SessionsApi;
  readonly events: EventsApi;
  readonly inbox: InboxApi;
  readonly claims: ClaimsApi;
  readonly groups: GroupsApi;
  readonly runs: RunsApi;
  readonly waits: WaitsApi;
  readonly schedules: SchedulesApi;
  readonly worktrees: WorktreesApi;
  /** Read-only: the reads behind `aegis ui` and `aegis chat`. */
  readonly dashboard: DashboardApi;
}

export type Tx = DbRepos;

export interface TxOptions {
  /** Committed before tx() resolves (today's store.write); default: may ride this tick's batch on SQLite. */
  durable?: boolean;
  /**
   * PostgreSQL: a statement of this transaction that waits longer than this for a lock fails (SQLSTATE 55P03) and the
   * transaction rolls back, instead of waiting for whoever holds the lock. SQLite: ignored (its busy timeout applies).
   */
  lockTimeoutMs?: number;
}

export interface Db extends DbRepos {
  readonly backend: BackendName;
  /** The SQLite path, or the database URL with its password replaced by *** (never the password). */
  readonly location: string;
  /**
   * Runs `fn` in one transaction: all of its writes or none. Use `t`, never this Db, inside `fn` (that throws
   * E_INTERNAL: it would wait on itself). `fn` does database work only: on PostgreSQL it is retried on a
   * serialization failure or deadlock.
   */
  tx<T>(fn: (t: Tx) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Resolves when every write this process made so far (buffered ones included) is committed. */
  flush(): Promise<void>;
  /**
   * Calls `fn(key)` after a commit by any process touched `topic`; returns the unsubscribe function. The first call is
   * `fn("*")` once the subscription is live (on PostgreSQL: LISTEN confirmed): rescan then, and nothing is missed.
   */
  subscribe(topic: DbTopic, fn: (key: string) => void): () => void;
  schemaVersion(): Promise<number>;
  /** Flushes, stops listening, closes the connections. */
  close(): Promise<void>;
}
